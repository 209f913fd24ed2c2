//! `interdict serve --tls-cert --tls-key`: HTTPS with a self-signed certificate that a
//! client trusts as its root; and a missing key file stops the start with exit 2 naming
//! the file.

mod support;

use support::server::*;

/// A self-signed certificate for 127.0.0.1 and localhost: (dir holding cert.pem and
/// key.pem, the certificate PEM).
fn self_signed() -> (tempfile::TempDir, String) {
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let ck = rcgen::generate_simple_self_signed(names).expect("rcgen");
    let dir = tempfile::tempdir().unwrap();
    let pem = ck.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
    (dir, pem)
}

#[test]
fn serves_https_with_the_given_certificate() {
    let (tls, pem) = self_signed();
    let cert = tls.path().join("cert.pem");
    let key = tls.path().join("key.pem");
    let db = Db::sqlite();
    let server = Server::start(
        &db,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(server.base.starts_with("https://"), "{}", server.log());
    let token = token(&db, "analyst");

    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()]);
    let api = Api::with_client(&server, Some(&token), trusting);
    let health = api.ok("/health");
    assert_eq!(health["status"], "ok", "{health}");
    let (status, body) = api.post("/reports", &kesl_report());
    assert_eq!(status, 201, "a report over HTTPS: {body}");
    assert_eq!(api.findings_of("kesl").len(), 1);

    // The certificate is really checked: a client without it as a root refuses.
    let default_roots = Api::with_client(&server, Some(&token), reqwest::Client::builder());
    let err = default_roots
        .try_send(reqwest::Method::GET, "/health", None)
        .expect_err("an untrusted self-signed certificate must be refused");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // And plain HTTP on the HTTPS port gets no API answer.
    let plain = server.base.replacen("https://", "http://", 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{plain}/api/v1/health"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert!(
        answer.is_err() || answer.as_ref().is_ok_and(|s| *s != 200),
        "plain HTTP must not be served: {answer:?}"
    );
}

#[test]
fn a_missing_key_file_exits_2_naming_it() {
    let (tls, _) = self_signed();
    let cert = tls.path().join("cert.pem");
    let key = tls.path().join("no-such-key.pem");
    let db = Db::sqlite();
    match launch(
        &db,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    ) {
        Launch::Exited { code, stderr } => {
            assert_eq!(code, 2, "{stderr}");
            assert!(
                stderr.contains(key.to_str().unwrap()),
                "the error names the key file: {stderr}"
            );
            assert!(!stderr.contains("listening on"), "{stderr}");
        }
        Launch::Ready(s) => panic!("serve started without its key: {}", s.log()),
    }
}
