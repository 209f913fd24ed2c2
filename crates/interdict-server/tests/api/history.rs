//! As-of reads: `/findings?as_of=`, `/overview?as_of=` and `/milestones?as_of=` over a
//! history made through the API, with a directive activated through the API.

use crate::support::{DIRECTIVE, Server, instant, kaspersky};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use serde_json::{Value, json};

/// The status of `deliverable` (first occurrence) in a milestones answer.
fn status<'a>(milestones: &'a Value, deliverable: &str) -> &'a str {
    milestones["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["deliverable"] == deliverable && m["occurrence"] == 0)
        .unwrap_or_else(|| panic!("no {deliverable} milestone in {milestones}"))["status"]
        .as_str()
        .expect("status")
}

async fn as_of(b: &Backend) {
    let s = Server::start(b).await;
    let admin = s.token(Role::Admin).await;
    let auditor = s.token(Role::Auditor).await;
    // Shared by the closures below.
    let (s, auditor) = (&s, auditor.as_str());
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date();
    let start = json!({"start": today.to_string()});
    let path = format!("/directives/{DIRECTIVE}/activate");
    let a = s
        .post(Some(&admin), &path, &start)
        .await
        .expect(200, "activate");
    assert_eq!(a["start"], today.to_string(), "{a}");

    let before = instant().await;
    s.send(&admin, &s.scan("r1", "web1", 1, vec![kaspersky("kesl")]))
        .await
        .expect(201, "r1");
    let id = s.finding_id(&admin, "web1", "kesl").await;
    let identified = instant().await;
    let plan = json!({"ids": [id], "owner": "ops", "due": "2030-01-01", "removal_method": "apt"});
    s.post(Some(&admin), "/findings/plan", &plan)
        .await
        .expect(200, "plan");
    let planned = instant().await;
    s.send(&admin, &s.scan("r2", "web1", 2, vec![]))
        .await
        .expect(201, "clean scan");
    assert_eq!(s.state(&admin, &id).await, "removed");

    let state_at = |t: jiff::Timestamp| {
        let path = format!("/findings?as_of={t}");
        async move {
            let page = s
                .get(Some(auditor), &path)
                .await
                .expect(200, "findings as of");
            let items = page["items"].as_array().expect("items").clone();
            items
                .iter()
                .map(|f| f["state"].as_str().expect("state").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        state_at(before).await,
        Vec::<String>::new(),
        "no finding before the scan"
    );
    assert_eq!(state_at(identified).await, ["identified"]);
    assert_eq!(state_at(planned).await, ["planned"]);
    assert_eq!(state_at(instant().await).await, ["removed"]);

    let overview = |t: jiff::Timestamp| {
        let path = format!("/overview?as_of={t}");
        async move {
            s.get(Some(auditor), &path)
                .await
                .expect(200, "overview as of")
        }
    };
    let o = overview(before).await;
    assert_eq!(
        (o["hosts"].as_i64(), o["reports"].as_i64()),
        (Some(0), Some(0)),
        "{o}"
    );
    let o = overview(identified).await;
    assert_eq!(
        (o["hosts"].as_i64(), o["reports"].as_i64()),
        (Some(1), Some(1)),
        "{o}"
    );
    assert_eq!(o["affected_hosts"], 1, "{o}");
    assert_eq!(o["findings"], json!({"identified": 1}), "{o}");
    let o = overview(planned).await;
    assert_eq!(o["findings"], json!({"planned": 1}), "{o}");
    let o = s
        .get(Some(auditor), "/overview")
        .await
        .expect(200, "overview now");
    assert_eq!(o["findings"], json!({"removed": 1}), "{o}");
    assert_eq!(
        (o["affected_hosts"].as_i64(), o["reports"].as_i64()),
        (Some(0), Some(2)),
        "{o}"
    );

    let milestones = |t: jiff::Timestamp| {
        let path = format!("/milestones?as_of={t}&directive={DIRECTIVE}");
        async move {
            s.get(Some(auditor), &path)
                .await
                .expect(200, "milestones as of")
        }
    };
    let m = milestones(identified).await;
    assert_ne!(
        status(&m, "removal-plan"),
        "met",
        "an identified finding has no plan: {m}"
    );
    assert_eq!(
        status(&m, "identify-report"),
        "met",
        "every known host has a scan: {m}"
    );
    let m = milestones(planned).await;
    assert_eq!(
        status(&m, "removal-plan"),
        "met",
        "every open finding planned: {m}"
    );
    assert_ne!(
        status(&m, "begin-removal"),
        "met",
        "the removal had not begun: {m}"
    );
    let m = milestones(instant().await).await;
    assert_eq!(
        status(&m, "begin-removal"),
        "met",
        "nothing left to begin: {m}"
    );
    let items = m["items"].as_array().expect("items");
    assert!(
        items.iter().all(|i| i["directive"] == DIRECTIVE),
        "the directive filter: {m}"
    );

    let date = s
        .get(Some(auditor), &format!("/findings?as_of={today}"))
        .await;
    assert_eq!(
        date.expect(200, "a date as of")["items"][0]["state"],
        "removed"
    );
    let unknown = s
        .get(Some(auditor), "/milestones?directive=no-such-directive")
        .await;
    assert_eq!(unknown.status, 404, "an unknown directive: {unknown:?}");
}

both_backends!(as_of_findings_overview_milestones, super::as_of);
