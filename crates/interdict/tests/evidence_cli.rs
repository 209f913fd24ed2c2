//! `interdict evidence keygen|export|verify` and `admin signing-key` from outside.
//!
//! A fixture fleet (scans whose inventories the bundled catalog matches, over six weeks)
//! is exported twice: from saved report documents (`--from`) and from a server's data
//! directory holding lifecycle actions (plans, a removal begun, exceptions granted and
//! revoked, an enrollment, plan details). Each pack verifies — seal, audit chain, and the
//! deliverables re-computed from the included documents equal to the included ones — and
//! checks by hand with `sha256sum -c`. Then one test per tampering: a changed byte in a
//! report, a removed file, an added file, a swapped manifest, a wrong key, an edited audit
//! entry (with and without re-sealing), an edited deliverable re-signed by the key holder:
//! each exits 1 naming the cause.

mod support;

use interdict_catalog::Catalog;
use interdict_evidence::{AUDIT_SEGMENT, MANIFEST, Pack, SigningKey};
use interdict_findings::Report;
use interdict_server::Evaluator;
use interdict_store::testing::{day, package, scan};
use interdict_store::{CATALOG_DIGEST, Plan, Store};
use jiff::civil::date;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::interdict;
use support::server::Db;

const BOD: &str = "bod-17-01";
const AS_OF: &str = "2026-02-14";

/// The fleet's scans: (report id, host, day, Kaspersky packages installed).
const SCANS: &[(&str, &str, i64, &[&str])] = &[
    ("r01", "web1", 1, &["kesl"]),
    ("r02", "web2", 1, &["kesl"]),
    ("r03", "web4", 1, &[]),
    ("r04", "web3", 2, &["kesl", "klnagent64"]),
    ("r05", "web6", 2, &["klnagent64"]),
    ("r06", "web1", 10, &[]),
    ("r07", "web3", 12, &[]),
    ("r09", "web1", 20, &[]),
    ("r10", "web3", 30, &["kesl"]),
    ("r11", "web2", 40, &["kesl"]),
    // After the as-of date: in the data, not in the pack.
    ("r12", "web6", 50, &[]),
];

/// Scan `id` of `host` on `day`: an inventory of a few ordinary packages plus `found`.
fn report(id: &str, host: &str, d: i64, found: &[&str]) -> Report {
    let mut items = vec![package("bash"), package("openssl")];
    items.extend(found.iter().map(|p| package(p)));
    scan(id, host, day(d), Vec::new(), &[], Some(items))
}

/// Writes every scan as a report document; returns the files.
fn write_reports(dir: &Path) -> Vec<PathBuf> {
    SCANS
        .iter()
        .map(|(id, host, d, found)| {
            let path = dir.join(format!("{id}.json"));
            let doc = serde_json::to_vec_pretty(&report(id, host, *d, found)).unwrap();
            std::fs::write(&path, doc).unwrap();
            path
        })
        .collect()
}

/// A server's data dir with the fleet ingested as `serve` would (the evaluator's
/// findings), and people's actions between the scans.
fn build_server(db: &Db) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = match db {
            Db::Sqlite(dir) => Store::open_data_dir(dir.path()).await,
            Db::Postgres(pg) => Store::connect(&pg.url).await,
        }
        .unwrap();
        let catalog = Catalog::bundled().unwrap();
        let evaluator = Evaluator::new(&catalog).unwrap();
        store
            .set_setting(CATALOG_DIGEST, &catalog.digest(), day(0))
            .await
            .unwrap();
        store
            .activate(&catalog, BOD, Some(date(2026, 1, 1)), day(0), "admin")
            .await
            .unwrap();
        store
            .create_host_credential("machine-id:web5", day(1), "admin")
            .await
            .unwrap();
        let ingest = |i: usize| {
            let (id, host, d, found) = SCANS[i];
            let r = report(id, host, d, found);
            let findings = evaluator.report_findings(&r).unwrap();
            let raw = serde_json::to_vec(&r).unwrap();
            let store = store.clone();
            async move {
                let at = day(d) + jiff::SignedDuration::from_mins(7);
                store
                    .ingest(&r, Some(&raw), &findings, at, "host")
                    .await
                    .unwrap();
            }
        };
        let id = |host: &str, product: &str| {
            let store = store.clone();
            let host = format!("machine-id:{host}");
            let product = product.to_string();
            async move { store.finding_of(&host, &product).await.unwrap().unwrap().id }
        };
        for i in 0..5 {
            ingest(i).await;
        }
        let w1 = id("web1", "kesl").await;
        let plan = Plan {
            owner: "ops team".into(),
            due: date(2026, 2, 15),
            removal_method: "apt purge kesl".into(),
        };
        let one = std::slice::from_ref(&w1);
        store
            .plan_findings(one, &plan, day(3), "alice", "plan")
            .await
            .unwrap();
        let w2 = id("web2", "kesl").await;
        let lab = "malware analysis lab";
        store
            .grant_exception(&w2, lab, "ciso", day(120), day(5), "alice")
            .await
            .unwrap();
        let agent = id("web6", "ksc-network-agent").await;
        let x = store
            .grant_exception(&agent, "pending migration", "ciso", day(90), day(6), "bob")
            .await
            .unwrap();
        store.revoke_exception(&x.id, day(7), "ciso").await.unwrap();
        store
            .start_removal(one, day(8), "alice", "begun")
            .await
            .unwrap();
        for i in 5..SCANS.len() - 1 {
            ingest(i).await;
        }
        let details = json!({"agency": "Department of Examples", "costs": "none"});
        store
            .save_plan_details(BOD, &details, day(40), "alice")
            .await
            .unwrap();
        ingest(SCANS.len() - 1).await;
        store.close().await;
    });
}

/// `evidence keygen --out DIR/NAME`; returns (key, pub) paths.
fn keygen(dir: &Path, name: &str) -> (String, String) {
    let prefix = dir.join(name);
    let (code, _, err) = interdict(&["evidence", "keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let s = |ext: &str| format!("{}.{ext}", prefix.display());
    (s("key"), s("pub"))
}

/// `evidence export` with `args`; asserts exit 0.
fn export(args: &[&str]) -> String {
    let mut all = vec!["evidence", "export", "--directive", BOD, "--as-of", AS_OF];
    all.extend_from_slice(args);
    let (code, out, err) = interdict(&all);
    assert_eq!(code, 0, "export {all:?}: {err}");
    out
}

/// `evidence verify FILE --key K…`: (exit code, stdout, stderr).
fn verify(file: &Path, keys: &[&str]) -> (i32, String, String) {
    let mut all = vec!["evidence", "verify", file.to_str().unwrap()];
    for k in keys {
        all.extend_from_slice(&["--key", k]);
    }
    interdict(&all)
}

fn read_pack(file: &Path) -> Pack {
    Pack::from_archive(&std::fs::read(file).unwrap()).unwrap()
}

/// Writes `pack` next to `file` as `name`; returns its path.
fn write_pack(file: &Path, name: &str, pack: &Pack) -> PathBuf {
    let out = file.with_file_name(name);
    std::fs::write(&out, pack.to_archive().unwrap()).unwrap();
    out
}

/// Asserts verify fails (exit 1) with every one of `words` in its message.
fn fails(file: &Path, key: &str, words: &[&str]) {
    let (code, out, err) = verify(file, &[key]);
    assert_eq!(code, 1, "{} should fail: {out}{err}", file.display());
    assert!(err.contains("FAILED"), "{err}");
    for w in words {
        assert!(
            err.contains(w),
            "{}: {w:?} not named in: {err}",
            file.display()
        );
    }
}

fn value(pack: &Pack, path: &str) -> Value {
    serde_json::from_slice(pack.get(path).unwrap()).unwrap()
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "signer");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let signer = SigningKey::from_pem(&std::fs::read(&key).unwrap()).unwrap();
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let before = std::fs::read(&key).unwrap();
    let prefix = dir.path().join("signer");
    let (code, out, err) = interdict(&["evidence", "keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("signer.key exists"), "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key is untouched");
    assert!(!signer.public_key().fingerprint().is_empty());
}

#[test]
fn a_pack_from_report_documents_verifies_and_checks_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_reports(dir.path());
    let (key, public) = keygen(dir.path(), "signer");
    let file = dir.path().join("pack.tar.gz");
    let mut args = vec!["--signing-key", key.as_str(), "--pdf", "never", "-o"];
    args.push(file.to_str().unwrap());
    args.push("--from");
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = export(&args);
    let signer = SigningKey::from_pem(&std::fs::read(&key).unwrap()).unwrap();
    let fp = signer.public_key().fingerprint();
    assert!(out.contains(&fp), "{out}");

    let (code, out, err) = verify(&file, &[&public]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("verified") && out.contains("(the key given)"),
        "{out}"
    );
    assert!(
        out.contains("11 report documents and 0 lifecycle actions replayed"),
        "{out}"
    );
    assert!(out.contains("9 equal"), "{out}");
    assert!(out.contains("deliverables/status.json"), "{out}");

    // What it holds: all the scans (r12 too: --from takes what it is given), the
    // deliverables as of the date with the numbers of the fleet.
    let pack = read_pack(&file);
    for r in ["r01", "r11", "r12"] {
        assert!(pack.get(&format!("reports/{r}.json")).is_some(), "{r}");
    }
    let ident = value(&pack, "deliverables/identification.json");
    assert_eq!(ident["as_of"], AS_OF);
    let status = value(&pack, "deliverables/status.json");
    assert_eq!(
        status["computed_from"]["reports"], 10,
        "r12 was received after the date"
    );
    let products: Vec<&str> = ident["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert_eq!(products, ["kesl", "ksc-network-agent"], "{ident}");
    assert_eq!(
        value(&pack, "pack.json")["catalog"]["digest"],
        Catalog::bundled().unwrap().digest()
    );
    let readme = String::from_utf8(pack.get("README.html").unwrap().to_vec()).unwrap();
    assert!(
        readme.contains(&fp) && readme.contains("sha256sum -c"),
        "{readme}"
    );

    // By hand, as the README says: every file against SHA256SUMS, and no file beyond.
    let x = tempfile::tempdir().unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&file)
        .arg("-C")
        .arg(x.path())
        .status()
        .unwrap();
    assert!(tar.success());
    let top = x.path().join(format!("interdict-evidence-{BOD}-{AS_OF}"));
    let sums = Command::new("sha256sum")
        .args(["-c", "--strict", MANIFEST])
        .current_dir(&top)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&sums.stdout);
    assert!(
        sums.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&sums.stderr)
    );
    assert!(
        said.contains("reports/r01.json: OK") && said.contains("catalog/"),
        "{said}"
    );
    let listed = std::fs::read_to_string(top.join(MANIFEST))
        .unwrap()
        .lines()
        .count();
    let on_disk = walk(&top).len();
    assert_eq!(
        on_disk,
        listed + 2,
        "the manifest and its signature are the only extras"
    );

    // The same inputs give the same pack content (but for pack.json's time and the
    // temporary store's audit chain, whose entries carry fresh ids).
    let again = dir.path().join("again.tar.gz");
    let mut args2 = args.clone();
    let pos = args2.iter().position(|a| *a == "-o").unwrap();
    args2[pos + 1] = again.to_str().unwrap();
    export(&args2);
    let second = read_pack(&again);
    for p in pack
        .paths()
        .filter(|p| !["pack.json", "README.html", MANIFEST, "SHA256SUMS.sig"].contains(p))
        .filter(|p| !p.starts_with("audit/"))
    {
        assert_eq!(pack.get(p), second.get(p), "{p} is reproducible");
    }

    // Tampering, each named. A changed byte in a report:
    let mut t = pack.clone();
    let mut r = t.get("reports/r04.json").unwrap().to_vec();
    let at = r.iter().position(|b| *b == b'k').unwrap();
    r[at] = b'K';
    t.put_raw("reports/r04.json", r);
    fails(
        &write_pack(&file, "changed.tar.gz", &t),
        &public,
        &["reports/r04.json", "changed"],
    );
    // A removed file:
    let mut t = pack.clone();
    t.remove("deliverables/plan.csv");
    fails(
        &write_pack(&file, "removed.tar.gz", &t),
        &public,
        &["deliverables/plan.csv", "missing"],
    );
    // An added file:
    let mut t = pack.clone();
    t.put_raw("reports/r99.json", b"{}".to_vec());
    fails(
        &write_pack(&file, "added.tar.gz", &t),
        &public,
        &["reports/r99.json", "added"],
    );
    // A swapped manifest (another pack's, with its signature):
    let mut other = pack.clone();
    other.put_raw(MANIFEST, second.get(MANIFEST).unwrap().to_vec());
    other.put_raw(
        "SHA256SUMS.sig",
        second.get("SHA256SUMS.sig").unwrap().to_vec(),
    );
    fails(
        &write_pack(&file, "swapped.tar.gz", &other),
        &public,
        &["differs from SHA256SUMS", "changed"],
    );
    let mut t = pack.clone();
    t.put_raw(MANIFEST, second.get(MANIFEST).unwrap().to_vec());
    fails(
        &write_pack(&file, "swapped2.tar.gz", &t),
        &public,
        &["signature", &fp],
    );
    // A wrong key:
    let (_, wrong) = keygen(dir.path(), "other");
    fails(&file, &wrong, &["SHA256SUMS.sig", "does not verify"]);
    // An edited audit entry: the manifest catches it; re-sealed by the key holder, the
    // chain does.
    let mut t = pack.clone();
    let seg = String::from_utf8(t.get(AUDIT_SEGMENT).unwrap().to_vec()).unwrap();
    assert!(seg.lines().count() >= 10, "one entry per ingest: {seg}");
    let edited = seg.replacen(
        "\"actor\":\"interdict evidence export --from\"",
        "\"actor\":\"mallory\"",
        1,
    );
    assert_ne!(edited, seg);
    t.put_raw(AUDIT_SEGMENT, edited);
    fails(
        &write_pack(&file, "audit.tar.gz", &t),
        &public,
        &[AUDIT_SEGMENT, "changed"],
    );
    let resealed = t.seal(&signer, None).unwrap();
    fails(
        &write_pack(&file, "audit2.tar.gz", &resealed),
        &public,
        &[AUDIT_SEGMENT, "entry 1"],
    );
    // A deliverable edited and re-signed by the key holder: the re-computation differs.
    let mut t = pack.clone();
    let s = String::from_utf8(t.get("deliverables/status.json").unwrap().to_vec()).unwrap();
    let s = s.replacen("\"outstanding\": 1", "\"outstanding\": 0", 1);
    t.put_raw("deliverables/status.json", s);
    let resealed = t.seal(&signer, None).unwrap();
    fails(
        &write_pack(&file, "doctored.tar.gz", &resealed),
        &public,
        &["deliverables/status.json", "re-computation", "line"],
    );

    // Not an archive (1); a missing pack or an unreadable key (2), named.
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not a pack").unwrap();
    let (code, _, err) = verify(&junk, &[]);
    assert_eq!(code, 1);
    assert!(err.contains(".tar.gz"), "{err}");
    let (code, _, err) = verify(Path::new("/nonexistent/pack.tar.gz"), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/pack.tar.gz"), "{err}");
    let (code, _, err) = verify(&file, &[file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("pack.tar.gz") && err.contains("PUBLIC KEY"),
        "{err}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_pack_from_server_data_replays_the_lifecycle_and_is_countersigned() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite();
    build_server(&db);
    let Db::Sqlite(data) = &db else {
        unreachable!()
    };
    let data = data.path();
    let d = data.to_str().unwrap();

    // The data dir's signing key: created 0600 once, shown as PEM and fingerprint.
    let (code, out, err) = interdict(&["admin", "--data-dir", d, "signing-key", "create"]);
    assert_eq!(code, 0, "{err}");
    let key = data.join("signing/evidence.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let fp = SigningKey::from_pem(&std::fs::read(&key).unwrap())
        .unwrap()
        .public_key()
        .fingerprint();
    assert!(out.contains(&fp), "{out}");
    let (code, _, err) = interdict(&["admin", "--data-dir", d, "signing-key", "create"]);
    assert_eq!(code, 2);
    assert!(err.contains("never overwritten"), "{err}");
    let (code, shown, _) = interdict(&["admin", "--data-dir", d, "signing-key", "show"]);
    assert_eq!(code, 0);
    assert!(shown.starts_with("-----BEGIN PUBLIC KEY-----") && shown.contains(&fp));
    let public = data.join("signing/evidence.pub");
    let public = public.to_str().unwrap();

    // A key others may read is refused.
    let (loose, _) = keygen(dir.path(), "loose");
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = dir.path().join("server.tar.gz");
    let f = file.to_str().unwrap();
    let (code, _, err) = interdict(&[
        "evidence",
        "export",
        "--directive",
        BOD,
        "--data-dir",
        d,
        "--signing-key",
        &loose,
        "-o",
        f,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("readable by others"), "{err}");
    assert!(!file.exists());

    // Exported with the data dir's key, countersigned by a second person's.
    let (second, second_pub) = keygen(dir.path(), "second");
    export(&[
        "--data-dir",
        d,
        "--countersign-key",
        &second,
        "--pdf",
        "always",
        "-o",
        f,
    ]);
    let (code, out, err) = verify(&file, &[public, &second_pub]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("countersignature: good"), "{out}");
    assert!(
        out.contains("10 report documents and 5 lifecycle actions replayed"),
        "{out}"
    );
    // The countersigner's key is checked too.
    let (_, wrong) = keygen(dir.path(), "wrong");
    let (code, _, err) = verify(&file, &[public, &wrong]);
    assert_eq!(code, 1);
    assert!(err.contains("SHA256SUMS.countersig"), "{err}");

    // The pack's deliverables are the server's, as `interdict report` gives them.
    let pack = read_pack(&file);
    for kind in ["identification", "plan", "status"] {
        let (code, out, err) = interdict(&[
            "report",
            "--data-dir",
            d,
            "--directive",
            BOD,
            "--kind",
            kind,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let path = format!("deliverables/{kind}.json");
        assert_eq!(out.as_bytes(), pack.get(&path).unwrap(), "{path}");
    }
    let status = value(&pack, "deliverables/status.json");
    assert!(
        status.to_string().contains("malware analysis lab"),
        "the exception: {status}"
    );
    let plan = value(&pack, "deliverables/plan.json");
    assert!(
        plan.to_string().contains("Department of Examples"),
        "{plan}"
    );
    let actions = value(&pack, "inputs/actions.json");
    let kinds: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "plan",
            "grant-exception",
            "grant-exception",
            "revoke-exception",
            "start-removal"
        ]
    );
    assert_eq!(
        value(&pack, "inputs/enrollments.json")[0]["host"],
        "machine-id:web5"
    );
    assert!(
        pack.get("reports/r12.json").is_none(),
        "received after the as-of date"
    );
    let anchors = value(&pack, "audit/anchors.json");
    assert!(
        anchors["head_seq"].as_i64() > anchors["last_seq"].as_i64(),
        "{anchors}"
    );
}

#[test]
fn a_pack_from_postgresql_data_holds_the_same_deliverables() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "signer");
    let mut packs = Vec::new();
    for db in [Db::postgres(), Db::sqlite()] {
        build_server(&db);
        let file = dir.path().join(format!("pack-{}.tar.gz", packs.len()));
        let mut args: Vec<String> = db.args();
        args.extend(["--signing-key", &key, "--pdf", "never", "-o"].map(String::from));
        args.push(file.display().to_string());
        export(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let (code, out, err) = verify(&file, &[&public]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("5 lifecycle actions replayed"), "{out}");
        packs.push(read_pack(&file));
    }
    for kind in ["identification", "plan", "status"] {
        let path = format!("deliverables/{kind}.json");
        assert_eq!(
            packs[0].get(&path),
            packs[1].get(&path),
            "{path}: PostgreSQL and SQLite"
        );
    }
}

#[test]
fn findings_the_reports_do_not_show_fail_the_recomputation_and_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "signer");
    let db = Db::sqlite();
    build_server(&db);
    // A re-evaluation after a catalog change on day 41 gives web4 a finding no report of
    // the pack shows (the old catalog is gone, so no replay can reproduce it).
    let Db::Sqlite(data) = &db else {
        unreachable!()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open_data_dir(data.path()).await.unwrap();
        let kesl = interdict_store::testing::finding("kesl", BOD, "dpkg-status");
        let found = interdict_store::testing::findings(vec![kesl]);
        store
            .replace_findings("machine-id:web4", &found, day(41), "system:catalog 0123")
            .await
            .unwrap();
        store.close().await;
    });
    let file = dir.path().join("pack.tar.gz");
    let mut args = db.args();
    args.extend(["--signing-key", &key, "--pdf", "never", "-o"].map(String::from));
    args.push(file.display().to_string());
    let mut all = vec!["evidence", "export", "--directive", BOD, "--as-of", AS_OF];
    all.extend(args.iter().map(String::as_str));
    let (code, _, err) = interdict(&all);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning") && err.contains("re-evaluated"),
        "{err}"
    );
    fails(
        &file,
        &public,
        &[
            "deliverables/identification.json",
            "re-computation",
            "re-evaluated findings",
        ],
    );
}
