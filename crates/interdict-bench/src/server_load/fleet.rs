//! The synthetic fleet of `server-load`: one scan report per host, each with an inventory
//! of exactly [`ITEMS`] artifacts shaped like the Linux collectors' (dpkg packages,
//! systemd units, trust-store certificates, processes).
//!
//! Every host shares a base with the others of its OS image (≈ 1,000 packages, the
//! trust store, the base units) and varies in the rest: its patch level (a cohort of
//! base packages one revision newer), ≈ 190 optional packages drawn from a pool of
//! 6,000, the units those bring, and its processes (pids). No two inventories are equal,
//! so the store's inventory dedup never makes a report cheap. About 2 % of hosts carry
//! Kaspersky Endpoint Security for Linux (dpkg `kesl` and its units), which the bundled
//! catalog matches; the findings are computed by the matcher, so the reports say what the
//! server would say. About 10 % carry [`REEVAL_PACKAGE`], which only the extra catalog of
//! the re-evaluation phase ([`reeval_catalog`]) knows.

use flate2::Compression;
use flate2::write::GzEncoder;
use interdict_catalog::Catalog;
use interdict_findings::{CatalogStamp, CollectorStats, Host, Os, Report, SourceKind};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Platform};
use interdict_matcher::Matcher;
use jiff::Timestamp;
use rayon::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;

/// Items in every host's inventory.
pub const ITEMS: usize = 1500;
/// Base packages of an OS image.
const BASE_PACKAGES: usize = 1000;
/// The pool optional packages are drawn from.
const OPTIONAL_POOL: usize = 6000;
/// Trust-store certificates (shared by every host of an image).
const CERTIFICATES: usize = 130;
/// Systemd units every host of an image has.
const BASE_UNITS: usize = 120;
/// Running processes per host.
const PROCESSES: usize = 40;
/// Patch cohorts: cohort `c` has `c` twentieths of its base packages one revision newer.
const COHORTS: u64 = 20;
/// The package only the re-evaluation catalog knows.
pub const REEVAL_PACKAGE: &str = "fleetwatch-agent";
/// The product id of the re-evaluation catalog.
pub const REEVAL_PRODUCT: &str = "fleetwatch-agent";
/// The directive id of the re-evaluation catalog.
pub const REEVAL_DIRECTIVE: &str = "bench-fleetwatch-ban";

/// The OS images hosts are built from: (os id, version, name, package suffix).
const IMAGES: [(&str, &str, &str, &str); 4] = [
    ("debian", "12", "Debian GNU/Linux 12 (bookworm)", "+deb12u"),
    ("debian", "11", "Debian GNU/Linux 11 (bullseye)", "+deb11u"),
    ("ubuntu", "22.04", "Ubuntu 22.04.5 LTS", "ubuntu0.22.04."),
    ("ubuntu", "24.04", "Ubuntu 24.04.1 LTS", "ubuntu0.24.04."),
];

const STEMS: [&str; 48] = [
    "acl", "apt", "attr", "audit", "bash", "bind", "bzip", "ca", "cairo", "curl", "dbus", "dpkg",
    "e2fs", "expat", "ffi", "file", "gcc", "gdbm", "glib", "gmp", "gnutls", "gpg", "icu", "idn",
    "jansson", "kmod", "krb5", "ldap", "lz4", "lzma", "magic", "mount", "ncurses", "nettle",
    "nghttp", "nss", "openssl", "pam", "pcre", "perl", "python", "readline", "selinux", "sqlite",
    "ssh", "systemd", "xml", "zstd",
];
const PREFIXES: [&str; 8] = [
    "lib", "python3-", "", "fonts-", "gir1.2-", "node-", "lua-", "golang-",
];
const SUFFIXES: [&str; 8] = [
    "", "-common", "-dev", "-bin", "-data", "-utils", "-doc", "-tools",
];
const TEAMS: [&str; 6] = [
    "Debian Med Packaging Team",
    "Debian Python Team",
    "Debian QA Group",
    "Ubuntu Developers",
    "Debian Perl Group",
    "Debian Go Packaging Team",
];

/// splitmix64: a small deterministic generator (the fleet is the same on every run).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The name of pool package `i` (distinct for every `i`).
fn package_name(i: usize) -> String {
    let stem = STEMS[i % STEMS.len()];
    let prefix = PREFIXES[(i / STEMS.len()) % PREFIXES.len()];
    let suffix = SUFFIXES[(i / (STEMS.len() * PREFIXES.len())) % SUFFIXES.len()];
    let series = i / (STEMS.len() * PREFIXES.len() * SUFFIXES.len());
    format!("{prefix}{stem}{series}{suffix}")
}

fn package(name: String, version: String, publisher: &str, arch: &str) -> Artifact {
    Artifact::new(
        ArtifactKind::Package,
        name.clone(),
        "var/lib/dpkg/status",
        "dpkg-status",
    )
    .with_version(version)
    .with_publisher(publisher)
    .with_path(format!("usr/share/doc/{name}"))
    .with_path(format!("usr/share/doc/{name}/copyright"))
    .with_attr("arch", arch)
    .with_attr("status", "install ok installed")
}

fn unit(name: &str, exec: &str, enabled: bool) -> Artifact {
    let state = if enabled {
        ArtifactState::Active
    } else {
        ArtifactState::Disabled
    };
    Artifact::new(
        ArtifactKind::Service,
        name,
        format!("usr/lib/systemd/system/{name}"),
        "systemd-units",
    )
    .with_state(state)
    .with_path(exec.trim_start_matches('/'))
    .with_attr("description", format!("{name} daemon"))
    .with_attr("enabled", enabled.to_string())
    .with_attr("exec-start", exec)
    .with_attr("init", "systemd")
}

fn certificate(i: usize) -> Artifact {
    let subject = format!("C=US, O=Trust Services {i}, CN=Root CA {i} G{}", i % 4 + 1);
    Artifact::new(
        ArtifactKind::Certificate,
        subject.clone(),
        format!("etc/ssl/certs/ca-certificates.crt#{i}"),
        "trust-store",
    )
    .with_path(format!("etc/ssl/certs/ca-certificates.crt#{i}"))
    .with_path(format!("usr/share/ca-certificates/mozilla/Root_CA_{i}.crt"))
    .with_attr("ca", "true")
    .with_attr("issuer", subject)
    .with_attr(
        "not-after",
        format!("Jun {} 00:00:00 20{} +00:00", i % 28 + 1, 30 + i % 15),
    )
    .with_attr(
        "serial",
        format!("{:024X}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    )
}

fn process(pid: u64, exe: &str) -> Artifact {
    let name = exe.rsplit('/').next().unwrap_or(exe);
    Artifact::new(
        ArtifactKind::Process,
        name,
        format!("proc/{pid}"),
        "processes",
    )
    .with_path(exe.trim_start_matches('/'))
    .with_attr("cmdline", exe)
    .with_attr("exe", exe)
    .with_attr("pid", pid.to_string())
    .with_attr(
        "user",
        if pid.is_multiple_of(3) {
            "root"
        } else {
            "daemon"
        },
    )
}

/// What the fleet generator knows about host `h`.
pub struct HostPlan {
    /// Carries Kaspersky Endpoint Security for Linux.
    pub kaspersky: bool,
    /// Carries [`REEVAL_PACKAGE`].
    pub reeval: bool,
}

/// Which hosts carry what: ≈ 2 % Kaspersky, ≈ 10 % the re-evaluation package.
pub fn plan(h: usize) -> HostPlan {
    let mut r = Rng::new(h as u64 ^ 0x5eed);
    HostPlan {
        kaspersky: r.below(50) == 0,
        reeval: r.below(10) == 0,
    }
}

/// Host `h`'s inventory: exactly [`ITEMS`] artifacts.
pub fn inventory(h: usize) -> Vec<Artifact> {
    let mut r = Rng::new(h as u64);
    let image = (r.below(IMAGES.len() as u64)) as usize;
    let (_, _, _, rev) = IMAGES[image];
    let cohort = r.below(COHORTS);
    let arch = "amd64";
    let mut items = Vec::with_capacity(ITEMS);
    // The image's base packages; the cohort's share of them one revision newer.
    for i in 0..BASE_PACKAGES {
        let p = i + image * 250;
        let patched = (p as u64 % COHORTS) < cohort;
        let version = format!(
            "{}.{}.{}-{}{rev}{}",
            p % 9 + 1,
            p % 31,
            p % 7,
            p % 5 + 1,
            u64::from(patched) + 1
        );
        items.push(package(
            package_name(p),
            version,
            TEAMS[p % TEAMS.len()],
            arch,
        ));
    }
    for i in 0..CERTIFICATES {
        items.push(certificate(i + image % 2));
    }
    for i in 0..BASE_UNITS {
        let name = format!("{}.service", package_name(i + image * 250));
        items.push(unit(
            &name,
            &format!("/usr/sbin/{}d", package_name(i)),
            i % 4 != 0,
        ));
    }
    let plan = plan(h);
    let mut extra: Vec<Artifact> = Vec::new();
    if plan.kaspersky {
        let publisher = "AO Kaspersky Lab <support@kaspersky.com>";
        extra.push(package(
            "kesl".into(),
            "12.1.0-1297".into(),
            publisher,
            arch,
        ));
        extra.push(unit(
            "kesl.service",
            "/opt/kaspersky/kesl/libexec/kesl",
            true,
        ));
        extra.push(unit(
            "kesl-supervisor.service",
            "/opt/kaspersky/kesl/libexec/kesl-supervisor",
            true,
        ));
    }
    if plan.reeval {
        let publisher = "FleetWatch Inc. <packages@fleetwatch.example>";
        extra.push(package(
            REEVAL_PACKAGE.into(),
            format!("4.{}.2", h % 5),
            publisher,
            arch,
        ));
    }
    // Host-specific processes (their pids never repeat across the fleet).
    let processes: Vec<Artifact> = (0..PROCESSES)
        .map(|i| {
            let pid = 300 + (h as u64 * 7919 + i as u64 * 104_729) % 4_000_000;
            process(pid, &format!("/usr/sbin/{}d", package_name(i * 7 + image)))
        })
        .collect();
    // Optional packages (and every fifth one's unit) fill the rest.
    let room = ITEMS - items.len() - extra.len() - processes.len();
    let mut chosen = HashSet::new();
    let mut optional = Vec::with_capacity(room);
    while optional.len() < room {
        let p = BASE_PACKAGES + 1000 + r.below(OPTIONAL_POOL as u64) as usize;
        if !chosen.insert(p) {
            continue;
        }
        let name = package_name(p);
        if p.is_multiple_of(5) && optional.len() + 1 < room {
            optional.push(unit(
                &format!("{name}.service"),
                &format!("/usr/bin/{name}"),
                true,
            ));
        }
        let version = format!("{}.{}-{}", p % 13, r.below(4), p % 3 + 1);
        optional.push(package(name, version, TEAMS[p % TEAMS.len()], arch));
    }
    items.extend(extra);
    items.extend(optional);
    items.extend(processes);
    items
}

/// Host `h`'s scan report, with the bundled catalog's findings and stamp.
pub fn report(h: usize, matcher: &Matcher, stamp: &CatalogStamp, at: Timestamp) -> Report {
    let inventory = inventory(h);
    let mut r = Rng::new(h as u64);
    let image = IMAGES[r.below(IMAGES.len() as u64) as usize];
    let os = Os {
        platform: Some(Platform::Linux),
        id: image.0.into(),
        version: image.1.into(),
        name: image.2.into(),
        kernel: "6.1.0-28-amd64".into(),
    };
    let machine_id = format!(
        "{:016x}{:016x}",
        h as u64 ^ 0xfee1_dead,
        (h as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)
    );
    let ids = BTreeMap::from([("machine-id".to_string(), machine_id)]);
    let name = format!("host-{h:06}.fleet.example");
    let mut report = Report::new(SourceKind::Scan, "0.1.0", stamp.clone(), at, report_id(h));
    report.host = Some(Host::new(&name, os, ids).with_scan_fields("/", true));
    report.findings = matcher.match_artifacts(&inventory);
    for (id, n) in [
        (
            "dpkg-status",
            inventory
                .iter()
                .filter(|a| a.collector == "dpkg-status")
                .count(),
        ),
        (
            "systemd-units",
            inventory
                .iter()
                .filter(|a| a.collector == "systemd-units")
                .count(),
        ),
        ("trust-store", CERTIFICATES),
        ("processes", PROCESSES),
    ] {
        report.collectors.push(CollectorStats {
            id: id.into(),
            items: n,
            errors: 0,
            millis: 20 + (h % 40) as u64,
        });
    }
    report.inventory = Some(inventory);
    report.finish(at);
    report
}

/// A UUID-shaped report id, unique per host and run.
fn report_id(h: usize) -> String {
    let u = uuid::Uuid::new_v4().as_u128() ^ h as u128;
    uuid::Uuid::from_u128(u).to_string()
}

/// The reports of a fleet, gzip-compressed as an agent sends them, with what the
/// generator knows about them.
pub struct Fleet {
    /// One gzip body per host.
    pub bodies: Vec<Vec<u8>>,
    /// Uncompressed JSON bytes over all reports.
    pub json_bytes: u64,
    /// Gzip bytes over all reports.
    pub gzip_bytes: u64,
    /// Hosts with a Kaspersky finding.
    pub kaspersky_hosts: usize,
    /// Hosts carrying [`REEVAL_PACKAGE`].
    pub reeval_hosts: usize,
    /// Distinct inventories (by content).
    pub distinct_inventories: usize,
    /// Distinct inventory items over the fleet.
    pub distinct_items: usize,
}

/// One generated report: (gzip body, JSON length, has a kesl finding, inventory hash,
/// item hashes).
type Made = (Vec<u8>, u64, bool, u64, Vec<u64>);

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut s = DefaultHasher::new();
    t.hash(&mut s);
    s.finish()
}

/// Generates `hosts` reports in parallel.
pub fn generate(hosts: usize, catalog: &Catalog) -> Result<Fleet, String> {
    let matcher = Matcher::new(catalog, Platform::Linux).map_err(|e| e.to_string())?;
    let stamp = CatalogStamp {
        version: catalog.version().to_string(),
        digest: catalog.digest(),
    };
    let at = interdict_findings::now_millis();
    let made: Vec<Result<Made, String>> = (0..hosts)
        .into_par_iter()
        .map(|h| {
            let report = report(h, &matcher, &stamp, at);
            let found = report.findings.iter().any(|f| f.product == "kesl");
            if found != plan(h).kaspersky {
                return Err(format!(
                    "host {h}: the matcher and the fleet plan disagree on kesl"
                ));
            }
            let items = report.inventory.as_deref().unwrap_or_default();
            let item_hashes: Vec<u64> = items
                .iter()
                .map(|a| hash_of(&serde_json::to_string(a).unwrap_or_default()))
                .collect();
            let mut sorted = item_hashes.clone();
            sorted.sort_unstable();
            let json = serde_json::to_vec(&report).map_err(|e| e.to_string())?;
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(&json).map_err(|e| e.to_string())?;
            let body = gz.finish().map_err(|e| e.to_string())?;
            Ok((
                body,
                json.len() as u64,
                found,
                hash_of(&sorted),
                item_hashes,
            ))
        })
        .collect();
    let mut fleet = Fleet {
        bodies: Vec::with_capacity(hosts),
        json_bytes: 0,
        gzip_bytes: 0,
        kaspersky_hosts: 0,
        reeval_hosts: (0..hosts).filter(|&h| plan(h).reeval).count(),
        distinct_inventories: 0,
        distinct_items: 0,
    };
    let mut inventories = HashSet::new();
    let mut items = HashSet::new();
    for m in made {
        let (body, json_len, found, inv_hash, item_hashes) = m?;
        fleet.gzip_bytes += body.len() as u64;
        fleet.bodies.push(body);
        fleet.json_bytes += json_len;
        fleet.kaspersky_hosts += usize::from(found);
        inventories.insert(inv_hash);
        items.extend(item_hashes);
    }
    fleet.distinct_inventories = inventories.len();
    fleet.distinct_items = items.len();
    Ok(fleet)
}

/// The catalog file the re-evaluation phase adds: a vendor, a product with a package
/// indicator matching [`REEVAL_PACKAGE`], and a directive naming the vendor.
pub fn reeval_catalog() -> String {
    format!(
        r#"# Added by interdict-bench server-load: a new directive and product after the fleet reported.

[[vendor]]
id = "fleetwatch"
name = "FleetWatch"
legal_names = ["FleetWatch Inc."]
aliases = ["FleetWatch"]
publisher_patterns = ['(?i)\bfleetwatch\b']
sources = ["interdict-bench server-load (synthetic vendor)"]

[[product]]
id = "{REEVAL_PRODUCT}"
vendor = "fleetwatch"
name = "FleetWatch Agent"
family = "remote-management"
platforms = ["linux"]
distribution = "branded"

[[product.indicator]]
kind = "package"
pattern = "{REEVAL_PACKAGE}"
strength = "strong"
source = "interdict-bench server-load (synthetic package name)"
confidence = "high"

[[directive]]
id = "{REEVAL_DIRECTIVE}"
title = "Benchmark directive: removal of FleetWatch products"
issuer = "interdict-bench"
legal_basis = "none (benchmark)"
issued = 2026-11-01
vendors = ["fleetwatch"]
distributions = ["branded"]
sources = ["interdict-bench server-load"]

[[directive.milestone]]
offset_days = 30
deliverable = "identify-report"
description = "Identify FleetWatch products and report the endpoints."
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventories_have_exactly_the_item_count_and_differ() {
        for h in [0, 1, 7, 49, 1234] {
            assert_eq!(inventory(h).len(), ITEMS, "host {h}");
        }
        assert_ne!(inventory(1), inventory(2), "two hosts share an inventory");
    }

    #[test]
    fn the_catalogs_match_the_planned_hosts() {
        let bundled = Catalog::bundled().expect("bundled catalog");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("bench.toml"), reeval_catalog()).expect("write");
        let extended = Catalog::with_dir(dir.path()).expect("the re-evaluation catalog loads");
        let before = Matcher::new(&bundled, Platform::Linux).expect("matcher");
        let after = Matcher::new(&extended, Platform::Linux).expect("matcher");
        let k = (0..500)
            .find(|&h| plan(h).kaspersky)
            .expect("a Kaspersky host");
        let r = (0..500)
            .find(|&h| plan(h).reeval)
            .expect("a re-evaluation host");
        let products = |m: &Matcher, h| -> Vec<String> {
            m.match_artifacts(&inventory(h))
                .into_iter()
                .map(|f| f.product)
                .collect()
        };
        assert!(
            products(&before, k).contains(&"kesl".to_string()),
            "kesl not matched"
        );
        assert!(
            !products(&before, r).contains(&REEVAL_PRODUCT.to_string()),
            "matched too early"
        );
        assert!(
            products(&after, r).contains(&REEVAL_PRODUCT.to_string()),
            "not matched after"
        );
    }
}
