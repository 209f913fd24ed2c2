//! The agent end to end against a real `interdict serve` on loopback (SQLite): two
//! enrolled agents scanning fixture roots, an outage bridged by the spool (reports arrive
//! once and in order), a revoked credential, HTTPS with a generated CA (and a wrong CA),
//! and `upload` of saved scan, SBOM and import documents.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::linux::linux_root;
use support::server::{Api, Db, Server, admin, token};

/// Runs `interdict ARGS…`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .env("INTERDICT_LOG", "info")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A Linux fixture root with its own machine id (so each is its own host).
fn root_with_id(machine_id: &str) -> (support::Fixture, tempfile::TempDir) {
    let marker = tempfile::tempdir().unwrap();
    let fx = linux_root(&marker.path().join("ran"));
    fx.write("etc/machine-id", format!("{machine_id}\n"));
    (fx, marker)
}

/// `admin` that must succeed; its standard output, trimmed.
fn admin_ok(db: &Db, args: &[&str]) -> String {
    let (code, out, err) = admin(db, args);
    assert_eq!(code, 0, "admin {args:?}: {err}");
    out.trim().to_string()
}

/// A loopback port that was free a moment ago (a restart reuses it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn enroll(
    server: &str,
    secret: &str,
    state: &Path,
    root: &Path,
    ca: Option<&Path>,
) -> (i32, String) {
    let mut args = vec![
        "agent",
        "enroll",
        "--server",
        server,
        "--secret",
        secret,
        "--state-dir",
        s(state),
        "--root",
        s(root),
    ];
    if let Some(ca) = ca {
        args.extend(["--ca-file", s(ca)]);
    }
    let (code, _, err) = run(&args);
    (code, err)
}

fn run_once(state: &Path, root: &Path) -> (i32, String) {
    let (code, _, err) = run(&[
        "agent",
        "run",
        "--once",
        "--state-dir",
        s(state),
        "--root",
        s(root),
        "--cpu-percent",
        "50",
    ]);
    (code, err)
}

fn spooled(state: &Path) -> usize {
    std::fs::read_dir(state.join("spool"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

/// The scans of `host`, oldest received first: (report id, scanned).
fn scans(api: &Api, host: &str) -> Vec<(String, String)> {
    let page = api.ok(&format!("/hosts/{host}/scans?limit=100"));
    let mut v: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["report"].as_str().unwrap().to_string(),
                s["scanned"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.reverse();
    v
}

#[test]
fn two_agents_bridge_an_outage_in_order_and_a_revoked_credential_is_refused() {
    let db = Db::sqlite();
    let port = free_port();
    let mut server = Server::start_on(&db, port, &[]);
    let url = server.base.clone();
    let secret = admin_ok(&db, &["secret", "create"]);
    let token = token(&db, "auditor");
    let (r1, _m1) = root_with_id("11111111111111111111111111111111");
    let (r2, _m2) = root_with_id("22222222222222222222222222222222");
    let (a1, a2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (state, root) in [(&a1, &r1), (&a2, &r2)] {
        let (code, err) = enroll(&url, &secret, state.path(), root.path(), None);
        assert_eq!(code, 0, "{err}");
        let cred = state.path().join("enrollment.json");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cred).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the credential file must be private");
        let (code, err) = run_once(state.path(), root.path());
        assert_eq!(code, 0, "{err}");
        assert_eq!(spooled(state.path()), 0, "sent, nothing left: {err}");
    }
    let h1 = "machine-id:11111111111111111111111111111111";
    let h2 = "machine-id:22222222222222222222222222222222";
    let api = Api::new(&server, &token);
    let hosts = api.ok("/hosts");
    let ids: Vec<&str> = hosts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [h1, h2]);
    let kesl = api.ok(&format!("/findings?host={h1}&product=kesl"));
    assert_eq!(kesl["items"][0]["state"], "identified", "{kesl}");

    // Outage: the agents keep their reports.
    server.stop();
    for _ in 0..2 {
        let (code, err) = run_once(a1.path(), r1.path());
        assert_eq!(code, 0, "a spooled report is not a failure: {err}");
        assert!(err.contains("spooled for later"), "{err}");
    }
    let (code, err) = run_once(a2.path(), r2.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!((spooled(a1.path()), spooled(a2.path())), (2, 1));

    // Back: the spool goes first, oldest first, each report once.
    let mut server = Server::start_on(&db, port, &[]);
    let (code, err) = run_once(a1.path(), r1.path());
    assert_eq!(code, 0, "{err}");
    let (code, err) = run_once(a2.path(), r2.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!((spooled(a1.path()), spooled(a2.path())), (0, 0));
    let api = Api::new(&server, &token);
    let s1 = scans(&api, h1);
    let s2 = scans(&api, h2);
    assert_eq!(
        (s1.len(), s2.len()),
        (4, 3),
        "every report once: {s1:?} {s2:?}"
    );
    for list in [&s1, &s2] {
        let scanned: Vec<&String> = list.iter().map(|(_, t)| t).collect();
        let mut sorted = scanned.clone();
        sorted.sort();
        assert_eq!(scanned, sorted, "received in the order scanned: {list:?}");
    }
    let mut ids: Vec<&String> = s1.iter().map(|(id, _)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4);

    // A revoked credential: refused, said so, the report kept.
    admin_ok(&db, &["host", "revoke", h1]);
    let (code, err) = run_once(a1.path(), r1.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("refused this host's credential") && err.contains("enroll again"),
        "{err}"
    );
    assert_eq!(
        spooled(a1.path()),
        1,
        "the report waits for a new enrollment"
    );
    assert_eq!(scans(&api, h1).len(), 4);
    server.stop();
}

/// A CA and a server certificate for 127.0.0.1 it signed, as PEM files in `dir`.
fn make_ca(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} test CA"));
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    let (ca_pem, cert_pem, key_pem) = (
        dir.join(format!("{name}-ca.pem")),
        dir.join(format!("{name}-server.pem")),
        dir.join(format!("{name}-server.key")),
    );
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();
    (ca_pem, cert_pem, key_pem)
}

#[test]
fn agent_over_https_trusts_its_ca_file_and_refuses_another() {
    let db = Db::sqlite();
    let pki = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_ca(pki.path(), "fleet");
    let (other_ca, _, _) = make_ca(pki.path(), "other");
    let server = Server::start(&db, &["--tls-cert", s(&cert), "--tls-key", s(&key)]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let secret = admin_ok(&db, &["secret", "create"]);
    let (root, _m) = root_with_id("33333333333333333333333333333333");

    let wrong = tempfile::tempdir().unwrap();
    let (code, err) = enroll(
        &server.base,
        &secret,
        wrong.path(),
        root.path(),
        Some(&other_ca),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unreachable") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    assert!(!wrong.path().join("enrollment.json").exists());

    let state = tempfile::tempdir().unwrap();
    let (code, err) = enroll(&server.base, &secret, state.path(), root.path(), Some(&ca));
    assert_eq!(code, 0, "{err}");
    let (code, err) = run_once(state.path(), root.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(spooled(state.path()), 0, "{err}");
    let token = token(&db, "auditor");
    let client = interdict_agent::client::Client::new(&server.base, Some(&ca)).unwrap();
    let (status, body) = client.get("/api/v1/hosts", &token).unwrap();
    assert_eq!(status, 200, "{body}");
    let hosts: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        hosts["items"][0]["id"],
        "machine-id:33333333333333333333333333333333"
    );
}

#[test]
fn upload_sends_scan_sbom_and_import_documents_and_reports_each() {
    let db = Db::sqlite();
    let server = Server::start(&db, &[]);
    let token = token(&db, "analyst");
    let files = tempfile::tempdir().unwrap();
    let (root, _m) = root_with_id("44444444444444444444444444444444");
    let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/../interdict-sbom/testdata");
    let save = |name: &str, args: &[&str]| {
        let (code, out, err) = run(args);
        assert!(code == 0 || code == 1, "{args:?}: {err}");
        let p = files.path().join(name);
        std::fs::write(&p, out).unwrap();
        p
    };
    let scan = save(
        "scan.json",
        &[
            "scan",
            "--root",
            s(root.path()),
            "--format",
            "json",
            "--inventory",
        ],
    );
    let sbom = save(
        "sbom.json",
        &[
            "sbom",
            &format!("{testdata}/appliance.cdx.json"),
            "--format",
            "json",
        ],
    );
    let import = save(
        "import.json",
        &[
            "import",
            &format!("{testdata}/csv/sccm-installed-software.csv"),
            "--format",
            "json",
        ],
    );
    let bad = files.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a report\"}").unwrap();
    let missing = files.path().join("missing.json");

    let (code, out, err) = run(&[
        "upload",
        s(&scan),
        s(&bad),
        s(&sbom),
        s(&missing),
        s(&import),
        "--server",
        &server.base,
        "--token",
        &token,
    ]);
    assert_eq!(code, 1, "one file failed: {out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0], format!("{}: created", s(&scan)));
    assert!(
        lines[1].starts_with(&format!(
            "{}: rejected: HTTP 422: not a report document",
            s(&bad)
        )),
        "{out}"
    );
    assert_eq!(lines[2], format!("{}: created", s(&sbom)));
    assert!(
        lines[3].starts_with(&format!("{}: failed: cannot read", s(&missing))),
        "{out}"
    );
    assert_eq!(lines[4], format!("{}: created", s(&import)));

    let (code, out, _) = run(&[
        "upload",
        s(&scan),
        "--server",
        &server.base,
        "--token",
        &token,
    ]);
    assert_eq!(
        (code, out.trim()),
        (
            0,
            format!("{}: duplicate (already stored)", s(&scan)).as_str()
        )
    );
    let hosts = Api::new(&server, &token).ok("/hosts?limit=1000");
    assert!(
        hosts["items"].as_array().unwrap().len() >= 3,
        "scan host, SBOM document, imported hosts: {hosts}"
    );
}
