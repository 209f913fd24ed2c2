//! RPM readers against the real databases in the shared corpus (facts from its README).

use interdict_formats::FormatError;
use interdict_formats::rpm::{
    BlobScan, RpmHeader, RpmdbFormat, parse_bdb, parse_header_blob, parse_ndb, sniff_rpmdb,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn corpus(rel: &str) -> Vec<u8> {
    let path = format!("{CORPUS}/{rel}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path} is missing: {e}"))
}

fn headers(scan: BlobScan) -> Vec<RpmHeader> {
    assert_eq!(scan.unreadable.count, 0, "{:?}", scan.unreadable.first);
    scan.blobs
        .iter()
        .map(|b| parse_header_blob(b).unwrap())
        .collect()
}

#[test]
fn bdb_libuuid_has_every_field_and_follows_overflow_pages() {
    let data = corpus("rpm/bdb-rhel8-libuuid/Packages");
    assert_eq!(sniff_rpmdb(&data), RpmdbFormat::Bdb);
    let scan = parse_bdb(&data).unwrap();
    assert_eq!((scan.blobs.len(), scan.unreadable.count), (1, 0));
    let blob = &scan.blobs[0];
    // Larger than one 4 KiB hash page: only reachable through overflow pages.
    assert!(blob.len() > 4096, "blob is {} bytes", blob.len());
    let h = parse_header_blob(blob).unwrap();
    assert_eq!(h.name, "libuuid");
    assert_eq!(h.epoch, None);
    assert_eq!(h.version, "2.32.1");
    assert_eq!(h.release, "42.el8_8");
    assert_eq!(h.arch, "x86_64");
    assert_eq!(h.vendor.as_deref(), Some("Red Hat, Inc."));
    assert_eq!(h.license.as_deref(), Some("BSD"));
    assert_eq!(h.summary.as_deref(), Some("Universally unique ID library"));
    assert_eq!(
        h.sourcerpm.as_deref(),
        Some("util-linux-2.32.1-42.el8_8.src.rpm")
    );
    assert_eq!(h.size, Some(35104));
    assert_eq!(h.install_time, Some(1_696_444_673));
    assert!(
        h.files
            .iter()
            .any(|f| f.starts_with("/usr/lib64/libuuid.so.1")),
        "{:?}",
        h.files
    );
}

#[test]
fn bdb_dive_has_no_vendor() {
    let data = corpus("rpm/bdb-syft-dive/Packages");
    let hs = headers(parse_bdb(&data).unwrap());
    assert_eq!(hs.len(), 1);
    let h = &hs[0];
    assert_eq!(
        (
            h.name.as_str(),
            h.version.as_str(),
            h.release.as_str(),
            h.arch.as_str()
        ),
        ("dive", "0.9.2", "1", "x86_64")
    );
    assert_eq!(h.epoch, None);
    assert_eq!(h.vendor, None);
}

#[test]
fn ndb_sle15_has_35_suse_packages_in_slot_order() {
    let data = corpus("rpm/ndb-sle15-bci/Packages.db");
    assert_eq!(sniff_rpmdb(&data), RpmdbFormat::Ndb);
    let hs = headers(parse_ndb(&data).unwrap());
    assert_eq!(hs.len(), 35);
    assert!(
        hs.iter()
            .all(|h| h.vendor.as_deref() == Some("SUSE LLC <https://www.suse.com/>"))
    );
    assert!(
        hs.iter()
            .all(|h| h.epoch.is_none() && h.name != "gpg-pubkey")
    );
    let nvra = |h: &RpmHeader| format!("{} {}-{} {}", h.name, h.version, h.release, h.arch);
    assert_eq!(nvra(&hs[0]), "system-user-root 20190513-3.3.1 noarch");
    assert_eq!(nvra(&hs[1]), "filesystem 15.0-11.3.2 x86_64");
    assert_eq!(nvra(&hs[2]), "glibc 2.31-9.3.2 x86_64");
    assert_eq!(nvra(&hs[13]), "bash 4.4-19.6.1 x86_64");
    assert_eq!(
        nvra(&hs[17]),
        "ca-certificates-mozilla-prebuilt 2.44-21.1 noarch"
    );
    assert_eq!(nvra(&hs[33]), "rpm-config-SUSE 1-5.6.1 noarch");
    assert_eq!(nvra(&hs[34]), "rpm-ndb 4.14.3-40.1 x86_64");
    let names: Vec<&str> = hs.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names[5..8], ["libgcc_s1", "libcap2", "libstdc++6"]);
    assert!(
        hs.iter()
            .find(|h| h.name == "bash")
            .unwrap()
            .files
            .contains(&"/bin/bash".to_string())
    );
}

/// Truncations at many offsets and byte flips: errors or fewer packages, never a panic.
fn mangle(data: &[u8], flips: usize, parse: impl Fn(&[u8])) {
    let step = (data.len() / 97).max(1);
    for n in (0..data.len())
        .step_by(step)
        .chain([1, 15, 16, 31, 32, 33, 4095, 4096, 4097])
    {
        parse(&data[..n.min(data.len())]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..flips {
        let mut d = data.to_vec();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % d.len() as u64) as usize;
            d[at] ^= (seed >> 32) as u8 | 1;
        }
        parse(&d);
    }
}

fn parse_all(scan: Result<BlobScan, FormatError>) -> usize {
    scan.map(|s| {
        s.blobs
            .iter()
            .filter(|b| parse_header_blob(b).is_ok())
            .count()
    })
    .unwrap_or(0)
}

#[test]
fn corrupted_bdb_files_never_panic() {
    for f in [
        "rpm/bdb-rhel8-libuuid/Packages",
        "rpm/bdb-syft-dive/Packages",
    ] {
        let data = corpus(f);
        mangle(&data, 300, |d| {
            parse_all(parse_bdb(d));
        });
        // A truncated file loses the package: an error, not a success.
        let cut = parse_bdb(&data[..data.len() / 2]);
        assert_eq!(parse_all(cut.clone()), 0, "{f}");
        assert!(cut.is_err() || cut.unwrap().unreadable.count > 0);
    }
}

#[test]
fn corrupted_ndb_files_never_panic() {
    let data = corpus("rpm/ndb-sle15-bci/Packages.db");
    mangle(&data, 40, |d| {
        parse_all(parse_ndb(d));
    });
    let cut = parse_ndb(&data[..data.len() / 2]).unwrap();
    assert!(cut.unreadable.count > 0);
    assert!(parse_all(Ok(cut)) < 35);
}

#[test]
fn corrupted_header_blobs_are_errors_not_panics() {
    let data = corpus("rpm/ndb-sle15-bci/Packages.db");
    let blob = parse_ndb(&data).unwrap().blobs.remove(13);
    for n in 0..blob.len() {
        assert!(parse_header_blob(&blob[..n]).is_err(), "truncated at {n}");
    }
    for at in (0..blob.len()).step_by(blob.len() / 500 + 1) {
        let mut b = blob.clone();
        b[at] ^= 0xff;
        let _ = parse_header_blob(&b);
    }
    // Flipping an index entry's type to an unknown value is always caught.
    let mut b = blob.clone();
    b[8 + 16 + 7] = 0x55;
    assert!(parse_header_blob(&b).is_err());
}
