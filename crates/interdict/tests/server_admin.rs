//! The `interdict admin` contract, checked through a running `interdict serve`: tokens
//! and their roles, enrollment secrets, users with password files, directive activation
//! and milestones, audit verification after tampering, and a data dir holding a file
//! that is not a SQLite database.

mod support;

use serde_json::{Value, json};
use support::server::*;

/// stdout must be exactly one line: a non-empty secret with no spaces. Returns it.
fn one_line_secret(what: &str, code: i32, out: &str, err: &str) -> String {
    assert_eq!(code, 0, "{what} failed: {err}");
    assert!(
        out.ends_with('\n'),
        "{what}: stdout must end with a newline: {out:?}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what} must print exactly one line: {out:?}"
    );
    let secret = lines[0];
    assert!(
        secret.len() >= 32 && !secret.contains(char::is_whitespace),
        "{what} printed {secret:?}, not a secret"
    );
    secret.to_string()
}

#[test]
fn tokens_act_with_their_role_and_secrets_enroll_hosts() {
    let db = Db::sqlite();
    let server = Server::start(&db, &[]);
    let report = kesl_report();

    let mut tokens = Vec::new();
    for role in ["admin", "analyst", "auditor"] {
        let (code, out, err) = admin(&db, &["token", "create", "--name", role, "--role", role]);
        let token = one_line_secret("token create", code, &out, &err);
        let api = Api::new(&server, &token);
        let me = api.ok("/whoami");
        assert_eq!(me["role"], role, "{me}");
        assert_eq!(me["actor"], format!("token:{role}"), "{me}");
        tokens.push((role, api));
    }
    let [(_, admin_api), (_, analyst), (_, auditor)] = &tokens[..] else {
        unreachable!()
    };
    let (status, body) = auditor.post("/reports", &report);
    assert_eq!(status, 403, "an auditor may not send reports: {body}");
    assert!(
        body["error"].as_str().unwrap().contains("auditor"),
        "{body}"
    );
    assert!(
        auditor.all("/hosts").is_empty(),
        "the refused report changed nothing"
    );
    let (status, body) = analyst.post("/reports", &report);
    assert_eq!(status, 201, "an analyst may: {body}");
    assert_eq!(auditor.all("/hosts").len(), 1, "and an auditor reads it");
    let (status, body) = analyst.post("/directives/bod-17-01/activate", &json!({}));
    assert_eq!(status, 403, "only admins activate: {body}");
    let (status, body) = admin_api.post("/directives/bod-17-01/activate", &json!({}));
    assert_eq!(status, 200, "{body}");
    let (status, _) = admin_api.as_token("not-a-token").get("/hosts");
    assert_eq!(status, 401, "an unknown token");

    // An enrollment secret gives a host its credential, which sends only its own scans.
    let (code, out, err) = admin(&db, &["secret", "create"]);
    let secret = one_line_secret("secret create", code, &out, &err);
    let anonymous = Api::with_client(&server, None, reqwest::Client::builder());
    let mine = host_variant(&report, 1);
    let host_id = mine["host"]["id"].as_str().unwrap();
    let (status, body) = anonymous.post("/enroll", &json!({"secret": "wrong", "host_id": host_id}));
    assert_eq!(status, 401, "a wrong secret: {body}");
    let (status, body) = anonymous.post("/enroll", &json!({"secret": secret, "host_id": host_id}));
    assert_eq!(status, 201, "enroll: {body}");
    let credential = body["credential"].as_str().expect("a credential");
    let host = admin_api.as_token(credential);
    let (status, body) = host.post("/reports", &mine);
    assert_eq!(status, 201, "the host sends its own report: {body}");
    let (status, body) = host.post("/reports", &host_variant(&report, 2));
    assert_eq!(status, 403, "but not another host's: {body}");
    let (status, _) = host.get("/hosts");
    assert_eq!(status, 403, "a host credential reads nothing");
}

/// `user list` as (name, role) pairs.
fn users(db: &Db) -> Vec<(String, String)> {
    let (code, out, err) = admin(db, &["user", "list"]);
    assert_eq!(code, 0, "user list: {err}");
    out.lines()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn user_add_reads_the_password_file_and_refuses_an_empty_or_missing_one() {
    let db = Db::sqlite();
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("pw");
    std::fs::write(&good, "correct horse battery staple\n").unwrap();
    let empty = files.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let missing = files.path().join("missing");

    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let add = |name: &str, file: &str| {
        admin(
            &db,
            &[
                "user",
                "add",
                name,
                "--role",
                "analyst",
                "--password-file",
                file,
            ],
        )
    };
    let (code, _, err) = add("alice", &path(&good));
    assert_eq!(code, 0, "user add: {err}");
    assert!(err.contains("alice"), "{err}");

    let (code, _, err) = add("bob", &path(&empty));
    assert_eq!(code, 2, "an empty password file: {err}");
    assert!(
        err.contains(&path(&empty)) && err.contains("empty"),
        "{err}"
    );
    let (code, _, err) = add("carol", &path(&missing));
    assert_eq!(code, 2, "a missing password file: {err}");
    assert!(
        err.contains(&path(&missing)),
        "the message names the file: {err}"
    );

    assert_eq!(
        users(&db),
        [("alice".to_string(), "analyst".to_string())],
        "only alice was created"
    );
}

#[test]
fn directive_activation_sets_day_zero_of_the_milestones() {
    let db = Db::sqlite();
    let (code, _, err) = admin(
        &db,
        &[
            "directive",
            "activate",
            "bod-17-01",
            "--start",
            "2026-01-05",
        ],
    );
    assert_eq!(code, 0, "activate: {err}");
    let (code, _, err) = admin(&db, &["directive", "activate", "no-such-directive"]);
    assert_eq!(code, 2, "an unknown directive: {err}");
    assert!(
        err.contains("no-such-directive"),
        "the message names it: {err}"
    );

    let server = Server::start(&db, &[]);
    let api = Api::new(&server, &token(&db, "auditor"));
    let milestones = api.all("/milestones");
    assert!(
        milestones.iter().all(|m| m["directive"] == "bod-17-01"),
        "only the activated directive has milestones: {milestones:#?}"
    );
    let start = jiff::civil::date(2026, 1, 5);
    let due = |deliverable: &str, occurrence: u64| -> Value {
        milestones
            .iter()
            .find(|m| m["deliverable"] == deliverable && m["occurrence"] == occurrence)
            .unwrap_or_else(|| panic!("no {deliverable} #{occurrence}: {milestones:#?}"))["due"]
            .clone()
    };
    let occurrence_of_first = milestones
        .iter()
        .map(|m| m["occurrence"].as_u64().unwrap())
        .min()
        .unwrap();
    for (deliverable, days) in [
        ("identify-report", 30),
        ("removal-plan", 60),
        ("begin-removal", 90),
        ("status-report", 120),
    ] {
        let want = start.checked_add(jiff::Span::new().days(days)).unwrap();
        assert_eq!(
            due(deliverable, occurrence_of_first),
            want.to_string(),
            "{deliverable} is due {days} days after 2026-01-05"
        );
    }
    let directives = api.all("/directives");
    let bod = directives.iter().find(|d| d["id"] == "bod-17-01").unwrap();
    assert_eq!(bod["activation"]["start"], "2026-01-05", "{bod:#}");
}

/// A SQLite database with a few audit entries (one per token created).
fn audited_db() -> Db {
    let db = Db::sqlite();
    for role in ["admin", "analyst", "auditor", "admin"] {
        token(&db, role);
    }
    let (code, out, _) = admin(&db, &["audit-verify"]);
    assert_eq!(code, 0, "a clean log verifies: {out}");
    assert!(out.starts_with("audit log intact: 4 entries"), "{out}");
    db
}

/// Runs `sql` on the SQLite file behind the server's back.
fn tamper(db: &Db, sql: &str) {
    let c = rusqlite::Connection::open(db.sqlite_file()).unwrap();
    assert_eq!(c.execute(sql, []).unwrap(), 1, "{sql} changed no row");
}

/// `audit-verify` must exit 1 naming `entry` and saying `problem`.
fn assert_broken(db: &Db, entry: u32, problem: &str) {
    let (code, out, err) = admin(db, &["audit-verify"]);
    assert_eq!(code, 1, "a tampered log must fail: {out}{err}");
    assert!(
        out.contains(&format!("BROKEN at entry {entry}:")) && out.contains(problem),
        "expected entry {entry} ({problem}): {out}"
    );
}

#[test]
fn audit_verify_names_the_edited_or_deleted_entry() {
    let edited = audited_db();
    tamper(
        &edited,
        "UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 2",
    );
    assert_broken(&edited, 2, "edited");

    let deleted = audited_db();
    tamper(&deleted, "DELETE FROM audit_log WHERE seq = 3");
    assert_broken(&deleted, 3, "missing");

    let truncated = audited_db();
    tamper(&truncated, "DELETE FROM audit_log WHERE seq = 4");
    assert_broken(&truncated, 4, "deleted at the end");
}

#[test]
fn a_data_dir_holding_a_non_sqlite_file_is_refused_and_left_untouched() {
    let db = Db::sqlite();
    let file = db.sqlite_file();
    let text = b"interdict.sqlite? no: a text file someone put here\n".repeat(100);
    std::fs::write(&file, &text).unwrap();
    let name = file.display().to_string();

    let (code, out, err) = admin(&db, &["token", "create", "--name", "x", "--role", "admin"]);
    assert_eq!(code, 2, "admin on a non-SQLite file: {err}");
    assert!(out.is_empty(), "no token printed: {out}");
    assert!(
        err.contains(&name) && err.contains("not a SQLite database"),
        "the error names the file and the problem: {err}"
    );
    match launch(&db, &[]) {
        Launch::Exited { code, stderr } => {
            assert_eq!(code, 2, "{stderr}");
            assert!(stderr.contains(&name), "{stderr}");
        }
        Launch::Ready(s) => panic!("serve started on a non-SQLite file: {}", s.log()),
    }
    assert_eq!(std::fs::read(&file).unwrap(), text, "the file was changed");
    let mut left: Vec<String> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["interdict.sqlite"], "no WAL or journal beside it");
}
