//! The deliverables over the API: the documents of a directive as of a date, the plan
//! details saved versioned and audited, and every malformed request refused by name.

use crate::support::{DIRECTIVE, Server, kaspersky};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use reqwest::Method;
use serde_json::json;

async fn deliverables(b: &Backend) {
    let s = Server::start(b).await;
    let analyst = s.token(Role::Analyst).await;
    let auditor = s.token(Role::Auditor).await;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    for (i, name) in ["ws1", "ws2"].iter().enumerate() {
        let report = s.scan(&format!("r{i}"), name, 0, vec![kaspersky("kesl")]);
        s.send(&analyst, &report).await.expect(201, "report");
    }
    let path = |kind: &str, q: &str| format!("/directives/{DIRECTIVE}/reports/{kind}?{q}");
    let id = s
        .get(
            Some(&auditor),
            &path("identification", &format!("as_of={today}")),
        )
        .await
        .expect(200, "identification");
    assert_eq!(id["directive"], DIRECTIVE);
    assert_eq!(id["as_of"], today.to_string());
    assert_eq!(id["products"][0]["product"], "kesl");
    assert_eq!(id["products"][0]["endpoints"], 2);
    assert_eq!(id["hosts_scanned"], 2);
    // Before the scans (day 0 is 2026-01-01): none found.
    let before = s
        .get(Some(&auditor), &path("identification", "as_of=2025-12-31"))
        .await
        .expect(200, "identification before");
    assert_eq!(before["none_found"], true);

    let plan_path = format!("/directives/{DIRECTIVE}/plan-details");
    let empty = s
        .get(Some(&auditor), &plan_path)
        .await
        .expect(200, "details");
    assert!(empty["version"].is_null());
    let body = json!({"agency": "Department of Examples", "costs": "USD 1"});
    let saved = s
        .call(Method::PUT, Some(&analyst), &plan_path, Some(&body))
        .await
        .expect(200, "save");
    assert_eq!(saved["version"], 1);
    let body = json!({"agency": "Department of Examples", "obstacles": "none"});
    let saved = s
        .call(Method::PUT, Some(&analyst), &plan_path, Some(&body))
        .await
        .expect(200, "save again");
    assert_eq!(saved["version"], 2);
    let plan = s
        .get(Some(&auditor), &path("plan", ""))
        .await
        .expect(200, "plan");
    assert_eq!(plan["plan_details"]["version"], 2);
    assert_eq!(plan["elements"][12]["text"], "none");
    assert_eq!(
        plan["elements"][13]["text"], "not yet provided",
        "costs left out of v2"
    );

    let audit_before = s.audit_len().await;
    for (body, what) in [
        (json!(["agency"]), "an array"),
        (json!({"agencyy": "x"}), "an unknown element"),
        (json!({"agency": 3}), "a number"),
    ] {
        let a = s
            .call(Method::PUT, Some(&analyst), &plan_path, Some(&body))
            .await;
        assert_eq!(a.status, 422, "{what}: {}", a.body);
    }
    assert_eq!(
        s.audit_len().await,
        audit_before,
        "a refused save is not audited"
    );
    let bad = [
        (path("status", "as_of=soon"), 400, "as_of"),
        (path("status", "format=docx"), 400, "format"),
        (path("summary", ""), 404, "summary"),
        (
            "/directives/bod-99-99/reports/status".to_string(),
            404,
            "bod-99-99",
        ),
        (
            "/directives/bod-99-99/plan-details".to_string(),
            404,
            "bod-99-99",
        ),
    ];
    for (p, status, named) in bad {
        let a = s.get(Some(&auditor), &p).await;
        assert_eq!(a.status, status, "{p}: {}", a.body);
        assert!(a.error().contains(named), "{p}: {}", a.body);
    }
}

both_backends!(documents_and_plan_details, super::deliverables);
