//! `GET /hosts/{id}/plan`: the removal plan of a host's latest stored report, as the CLI
//! renders it; a script format must fit the host's platform.

use crate::support::{Server, host_id, kaspersky};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;

/// `GET path` with a bearer: (status, content type, body text).
async fn get_text(s: &Server, token: &str, path: &str) -> (u16, String, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("the request reaches the server");
    let status = resp.status().as_u16();
    let media = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, media, resp.text().await.expect("the body"))
}

async fn host_plan(b: &Backend) {
    let s = Server::start(b).await;
    let auditor = s.token(Role::Auditor).await;
    let admin = s.token(Role::Admin).await;
    let report = s.scan(
        "plan-1",
        "plan-host",
        1,
        vec![kaspersky("kesl"), kaspersky("ksc-network-agent")],
    );
    s.send(&admin, &report).await.expect(201, "report");
    let id = host_id("plan-host");

    let (status, media, sh) = get_text(&s, &auditor, &format!("/hosts/{id}/plan?format=sh")).await;
    assert_eq!(status, 200, "{sh}");
    assert!(media.starts_with("text/x-shellscript"), "{media}");
    assert!(
        sh.starts_with("#!/bin/sh\n") && sh.contains("\nset -eu\n"),
        "{sh}"
    );
    let kesl = sh
        .find("if dpkg-query -W 'kesl'")
        .expect("kesl removed with dpkg");
    let agent = sh
        .find("if dpkg-query -W 'ksc-network-agent'")
        .expect("the agent's package removed with dpkg");
    assert!(kesl < agent, "the endpoint product first:\n{sh}");

    let (status, media, json) = get_text(&s, &auditor, &format!("/hosts/{id}/plan")).await;
    assert_eq!(status, 200);
    assert!(media.starts_with("application/json"));
    let plans: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(plans[0]["host_id"], id.as_str());
    assert_eq!(plans[0]["report_id"], "plan-1");
    assert_eq!(plans[0]["products"][0]["product"], "kesl");

    let (status, _, body) = get_text(&s, &auditor, &format!("/hosts/{id}/plan?format=ps1")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("use --format sh"), "{body}");
    let (status, _, body) = get_text(&s, &auditor, &format!("/hosts/{id}/plan?format=bat")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = get_text(&s, &auditor, "/hosts/machine-id:nobody/plan").await;
    assert_eq!(status, 404);
}

both_backends!(host_plan_follows_the_latest_report, super::host_plan);
