//! The finding lifecycle through the API: plan, start of removal, removal and
//! verification by clean scans, reappearance, refused transitions, exceptions that are
//! revoked or expire.

use crate::support::{Server, kaspersky};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::time::{Duration, Instant};

async fn through_the_api(b: &Backend) {
    let s = Server::start(b).await;
    let analyst = s.token(Role::Analyst).await;
    let send = |id: &'static str, d: i64, with: bool| {
        let findings = if with {
            vec![kaspersky("kesl")]
        } else {
            vec![]
        };
        s.scan(id, "web1", d, findings)
    };
    s.send(&analyst, &send("r1", 1, true))
        .await
        .expect(201, "first scan");
    let id = s.finding_id(&analyst, "web1", "kesl").await;
    assert_eq!(s.state(&analyst, &id).await, "identified");

    let plan = json!({"ids": [id], "owner": "ops", "due": "2030-02-01",
                      "removal_method": "apt purge", "reason": "day-60 plan"});
    let got = s
        .post(Some(&analyst), "/findings/plan", &plan)
        .await
        .expect(200, "plan");
    assert_eq!(got["changed"], 1, "{got}");
    let f = s
        .get(Some(&analyst), &format!("/findings/{id}"))
        .await
        .expect(200, "detail");
    assert_eq!(f["finding"]["state"], "planned", "{f}");
    assert_eq!(
        f["finding"]["plan"]["owner"], "ops",
        "the plan is kept: {f}"
    );

    let start = json!({"ids": [id], "reason": "ticket 42"});
    s.post(Some(&analyst), "/findings/start-removal", &start)
        .await
        .expect(200, "start");
    assert_eq!(s.state(&analyst, &id).await, "removal-in-progress");
    // Planning again from removal-in-progress is refused, and changes nothing.
    let audit = s.audit_len().await;
    let refused = s.post(Some(&analyst), "/findings/plan", &plan).await;
    assert_eq!(
        refused.status, 409,
        "plan from removal-in-progress: {refused:?}"
    );
    assert!(
        refused.error().contains("removal-in-progress"),
        "{}",
        refused.error()
    );
    assert_eq!(
        s.audit_len().await,
        audit,
        "a refused transition is not audited"
    );
    assert_eq!(s.state(&analyst, &id).await, "removal-in-progress");

    s.send(&analyst, &send("r2", 2, false))
        .await
        .expect(201, "a clean scan");
    assert_eq!(s.state(&analyst, &id).await, "removed");
    s.send(&analyst, &send("r3", 3, false))
        .await
        .expect(201, "another clean scan");
    assert_eq!(s.state(&analyst, &id).await, "verified");
    s.send(&analyst, &send("r4", 4, true))
        .await
        .expect(201, "it is back");
    assert_eq!(
        s.state(&analyst, &id).await,
        "reappeared",
        "reappearance is flagged"
    );
    let flagged = s.all(&analyst, "/findings?state=reappeared", 10).await;
    assert_eq!(flagged.len(), 1, "the state filter lists it: {flagged:?}");

    let refused = s
        .post(Some(&analyst), "/findings/start-removal", &start)
        .await;
    assert_eq!(
        refused.status, 409,
        "start-removal of a reappeared finding: {refused:?}"
    );
    let unknown = json!({"ids": ["no-such-finding"]});
    let missing = s
        .post(Some(&analyst), "/findings/start-removal", &unknown)
        .await;
    assert_eq!(missing.status, 404, "an unknown finding: {missing:?}");

    let detail = s
        .get(Some(&analyst), &format!("/findings/{id}"))
        .await
        .expect(200, "detail");
    let states: Vec<&str> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["to"].as_str().expect("to"))
        .collect();
    assert_eq!(
        states,
        [
            "identified",
            "planned",
            "removal-in-progress",
            "removed",
            "verified",
            "reappeared"
        ],
        "the history records every change"
    );
}

async fn exceptions(b: &Backend) {
    let s = Server::start(b).await;
    let analyst = s.token(Role::Analyst).await;
    let report = s.scan("r1", "web1", 1, vec![kaspersky("kesl"), kaspersky("kess")]);
    s.send(&analyst, &report).await.expect(201, "scan");
    let kesl = s.finding_id(&analyst, "web1", "kesl").await;
    let kess = s.finding_id(&analyst, "web1", "kess").await;

    let grant = |finding: &str, expires: String| {
        json!({"finding": finding, "justification": "lab analysis", "approver": "ciso",
               "expires": expires})
    };
    let e = s
        .post(
            Some(&analyst),
            "/exceptions",
            &grant(&kesl, "2999-12-31".into()),
        )
        .await;
    let e = e.expect(201, "grant");
    assert_eq!(s.state(&analyst, &kesl).await, "excepted");
    let f = s.finding_of(&analyst, "web1", "kesl").await;
    assert_eq!(
        f["exception"], e["id"],
        "the finding names its exception: {f}"
    );
    let again = s
        .post(
            Some(&analyst),
            "/exceptions",
            &grant(&kesl, "2999-12-31".into()),
        )
        .await;
    assert_eq!(
        again.status, 409,
        "an excepted finding cannot be excepted again: {again:?}"
    );
    let past = s
        .post(
            Some(&analyst),
            "/exceptions",
            &grant(&kess, "2020-01-01".into()),
        )
        .await;
    assert_eq!(past.status, 400, "an expiry in the past: {past:?}");

    let revoke = format!("/exceptions/{}/revoke", e["id"].as_str().expect("id"));
    s.post(Some(&analyst), &revoke, &json!({}))
        .await
        .expect(200, "revoke");
    assert_eq!(
        s.state(&analyst, &kesl).await,
        "identified",
        "a revoked exception reopens"
    );
    let listed = s
        .get(Some(&analyst), &format!("/exceptions?finding={kesl}"))
        .await;
    let listed = listed.expect(200, "exceptions");
    assert!(
        listed["items"][0]["closed"].is_string(),
        "the exception is closed: {listed}"
    );
    let twice = s.post(Some(&analyst), &revoke, &json!({})).await;
    assert_eq!(twice.status, 409, "revoked twice: {twice:?}");
    assert!(
        twice.error().contains("closed already"),
        "{}",
        twice.error()
    );
    let nothing = s
        .post(Some(&analyst), "/exceptions/nope/revoke", &json!({}))
        .await;
    assert_eq!(nothing.status, 404, "an unknown exception: {nothing:?}");

    // An exception a second ahead: the finding reopens by itself once it expires.
    let expires = Timestamp::now() + SignedDuration::from_millis(1500);
    let short = s
        .post(
            Some(&analyst),
            "/exceptions",
            &grant(&kess, expires.to_string()),
        )
        .await;
    short.expect(201, "a short exception");
    assert_eq!(s.state(&analyst, &kess).await, "excepted");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = s.state(&analyst, &kess).await;
        if state == "identified" {
            break;
        }
        assert_eq!(state, "excepted", "while the exception holds");
        assert!(
            Instant::now() < deadline,
            "the exception did not expire within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        Timestamp::now() >= expires,
        "it reopened no earlier than its expiry"
    );
    let detail = s
        .get(Some(&analyst), &format!("/findings/{kess}"))
        .await
        .expect(200, "detail");
    let closed = &detail["exceptions"][0];
    assert!(
        closed["closed"].is_string(),
        "the expired exception is closed: {detail}"
    );
}

both_backends!(identified_to_verified_and_back, super::through_the_api);
both_backends!(exceptions_granted_revoked_expired, super::exceptions);
