//! The authorization table: every (route, method) of the OpenAPI document × every kind of
//! caller → the status it gets, with requests valid enough that only authorization
//! decides; and a rejected request changes nothing.

use crate::support::{DIRECTIVE, Server, host_id, kaspersky};
use interdict_store::Role;
use interdict_store::both_backends;
use interdict_store::testing::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The callers, in the order of each row's `expect`.
const CALLERS: [&str; 6] = [
    "admin token",
    "analyst token",
    "auditor token",
    "host credential",
    "no credential",
    "garbage token",
];

/// What a request carries; ids of the fixture are filled in per caller.
#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    /// A new scan of the enrolled host.
    Report,
    /// An enrollment with a valid secret.
    Enroll,
    /// A plan of the caller's planned finding.
    Plan,
    /// Removal of the caller's planned finding.
    StartRemoval,
    /// An exception to the caller's open finding.
    Grant,
    /// A new token.
    Token,
    /// Day 0 of the directive.
    Activate,
    /// The plan of action's manual elements.
    PlanDetails,
}

/// One row: method, path (placeholders in braces), body, expected status per caller.
struct Row(Method, &'static str, Body, [u16; 6]);

const READ: [u16; 6] = [200, 200, 200, 403, 401, 401];
const WRITE: [u16; 6] = [200, 200, 403, 403, 401, 401];
const CREATE: [u16; 6] = [201, 201, 403, 403, 401, 401];
const ADMIN: [u16; 6] = [200, 403, 403, 403, 401, 401];
const ADMIN_CREATE: [u16; 6] = [201, 403, 403, 403, 401, 401];
const PUBLIC: [u16; 6] = [200; 6];

fn table() -> Vec<Row> {
    use Body as B;
    vec![
        Row(
            Method::POST,
            "/reports",
            B::Report,
            [201, 201, 403, 201, 401, 401],
        ),
        Row(Method::GET, "/reports/{report}", B::None, READ),
        Row(Method::POST, "/enroll", B::Enroll, [201; 6]),
        Row(Method::GET, "/overview", B::None, READ),
        Row(Method::GET, "/hosts", B::None, READ),
        Row(Method::GET, "/hosts/{host}", B::None, READ),
        Row(Method::GET, "/hosts/{host}/scans", B::None, READ),
        Row(Method::GET, "/hosts/{host}/plan", B::None, READ),
        Row(Method::GET, "/findings", B::None, READ),
        Row(Method::GET, "/findings/{finding}", B::None, READ),
        Row(Method::GET, "/products", B::None, READ),
        Row(Method::POST, "/findings/plan", B::Plan, WRITE),
        Row(
            Method::POST,
            "/findings/start-removal",
            B::StartRemoval,
            WRITE,
        ),
        Row(Method::GET, "/exceptions", B::None, READ),
        Row(Method::POST, "/exceptions", B::Grant, CREATE),
        Row(
            Method::POST,
            "/exceptions/{exception}/revoke",
            B::None,
            WRITE,
        ),
        Row(Method::GET, "/directives", B::None, READ),
        Row(
            Method::POST,
            "/directives/{directive}/activate",
            B::Activate,
            ADMIN,
        ),
        Row(Method::GET, "/milestones", B::None, READ),
        Row(
            Method::GET,
            "/directives/{directive}/reports/{kind}",
            B::None,
            READ,
        ),
        Row(
            Method::GET,
            "/directives/{directive}/plan-details",
            B::None,
            READ,
        ),
        Row(
            Method::PUT,
            "/directives/{directive}/plan-details",
            B::PlanDetails,
            WRITE,
        ),
        Row(Method::GET, "/audit", B::None, READ),
        Row(Method::GET, "/audit/verify", B::None, READ),
        Row(Method::GET, "/tokens", B::None, ADMIN),
        Row(Method::POST, "/tokens", B::Token, ADMIN_CREATE),
        Row(Method::POST, "/enrollment-secrets", B::None, ADMIN_CREATE),
        Row(
            Method::GET,
            "/whoami",
            B::None,
            [200, 200, 200, 200, 401, 401],
        ),
        Row(Method::GET, "/health", B::None, PUBLIC),
        Row(Method::GET, "/openapi.json", B::None, PUBLIC),
    ]
}

/// Routes served but deliberately not described by the document.
const UNDOCUMENTED: [(&str, &str); 1] = [("GET", "/openapi.json")];

/// Ids the table's requests name: shared ones, and per caller a finding in each state
/// the writes need (so that one caller's success does not change another's answer).
struct Fixture {
    /// The bearer each caller sends.
    bearer: Vec<Option<String>>,
    admin: String,
    report: String,
    host: String,
    finding: String,
    /// Per caller: a planned finding, an identified one, an exception that holds.
    planned: Vec<String>,
    open: Vec<String>,
    exception: Vec<String>,
    /// The name of the host the host credential belongs to.
    enrolled: &'static str,
}

async fn fixture(s: &Server) -> Fixture {
    let admin = s.token(Role::Admin).await;
    let mut fx = Fixture {
        bearer: Vec::new(),
        admin: admin.clone(),
        report: String::new(),
        host: String::new(),
        finding: String::new(),
        planned: Vec::new(),
        open: Vec::new(),
        exception: Vec::new(),
        enrolled: "enrolled",
    };
    let products = ["kesl", "ksc-network-agent", "kess"];
    for (c, _) in CALLERS.iter().enumerate() {
        let name = format!("caller-{c}");
        let findings = products.iter().map(|p| kaspersky(p)).collect();
        let report = s.scan(&format!("fixture-{c}"), &name, 1, findings);
        s.send(&admin, &report).await.expect(201, "fixture report");
        fx.planned.push(s.finding_id(&admin, &name, "kesl").await);
        fx.open
            .push(s.finding_id(&admin, &name, "ksc-network-agent").await);
        let excepted = s.finding_id(&admin, &name, "kess").await;
        let grant = json!({"finding": excepted, "justification": "lab", "approver": "ciso",
                           "expires": "2999-01-01"});
        let e = s.post(Some(&admin), "/exceptions", &grant).await;
        fx.exception.push(
            e.expect(201, "fixture exception")["id"]
                .as_str()
                .unwrap()
                .into(),
        );
    }
    let plan = plan_body(&fx.planned);
    s.post(Some(&admin), "/findings/plan", &plan)
        .await
        .expect(200, "fixture plan");
    fx.report = "fixture-0".into();
    fx.host = host_id("caller-0");
    fx.finding = fx.open[0].clone();
    let host = s.enroll(&admin, fx.enrolled).await;
    fx.bearer = vec![
        Some(admin),
        Some(s.token(Role::Analyst).await),
        Some(s.token(Role::Auditor).await),
        Some(host),
        None,
        Some("not-a-token".into()),
    ];
    fx
}

fn plan_body(ids: &[String]) -> Value {
    json!({"ids": ids, "owner": "it-ops", "due": "2030-01-31", "removal_method": "uninstall"})
}

impl Fixture {
    fn path(&self, template: &str, c: usize) -> String {
        template
            .replace("{report}", &self.report)
            .replace("{host}", &self.host)
            .replace("{finding}", &self.finding)
            .replace("{exception}", &self.exception[c])
            .replace("{directive}", DIRECTIVE)
            .replace("{kind}", "status")
    }

    async fn body(&self, s: &Server, body: Body, c: usize, n: usize) -> Option<Value> {
        Some(match body {
            Body::None => return None,
            Body::Report => {
                let id = format!("authz-{c}-{n}");
                serde_json::to_value(s.scan(&id, self.enrolled, 2 + n as i64, vec![]))
                    .expect("report JSON")
            }
            Body::Enroll => {
                let secret = s
                    .post(Some(&self.admin), "/enrollment-secrets", &json!({}))
                    .await;
                let secret = secret.expect(201, "secret")["secret"].clone();
                json!({"secret": secret, "host_id": host_id(&format!("new-{c}-{n}"))})
            }
            Body::Plan => plan_body(&self.planned[c..=c]),
            Body::StartRemoval => json!({"ids": [self.planned[c]], "reason": "go"}),
            Body::Grant => json!({"finding": self.open[c], "justification": "needed",
                                  "approver": "ciso", "expires": "2999-01-01"}),
            Body::Token => json!({"name": format!("t-{c}-{n}"), "role": "auditor"}),
            Body::Activate => json!({"start": "2026-01-01"}),
            Body::PlanDetails => json!({"agency": format!("agency {c}-{n}")}),
        })
    }
}

/// The (method, path) pairs the server's OpenAPI document describes, paths resolved
/// against its server URL.
async fn documented(s: &Server) -> BTreeSet<(String, String)> {
    let doc = s
        .get(None, "/openapi.json")
        .await
        .expect(200, "openapi.json");
    let servers = doc["servers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let base = match servers {
        [one] => one["url"].as_str().expect("server url").to_string(),
        other => panic!("the document names one server (the API prefix): {other:?}"),
    };
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), format!("{base}{}", generic(path))));
            }
        }
    }
    out
}

/// The table's pairs with placeholders spelled as the document spells them (`{id}`).
fn generic(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let j = rest[i..].find('}').expect("closing brace") + i;
        out.push_str(&rest[..i]);
        out.push_str("{id}");
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

async fn authorization_table(b: &Backend) {
    let s = Server::start(b).await;
    let rows = table();
    let mut covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|Row(m, p, ..)| (m.to_string(), format!("/api/v1{}", generic(p))))
        .collect();
    for (m, p) in UNDOCUMENTED {
        assert!(
            covered.remove(&(m.to_string(), format!("/api/v1{p}"))),
            "{m} {p} is in the table"
        );
    }
    let doc = documented(&s).await;
    let missing: Vec<_> = doc.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes of the OpenAPI document without a row in the table: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&doc).collect();
    assert!(
        stale.is_empty(),
        "rows for routes the OpenAPI document does not describe: {stale:?}"
    );

    let fx = fixture(&s).await;
    let mut failures = Vec::new();
    for (n, Row(method, template, body, expect)) in rows.iter().enumerate() {
        for (c, caller) in CALLERS.iter().enumerate() {
            let path = fx.path(template, c);
            let body = fx.body(&s, *body, c, n).await;
            let before = (
                s.audit_len().await,
                s.store.report_count().await.expect("count"),
            );
            let got = s
                .call(
                    method.clone(),
                    fx.bearer[c].as_deref(),
                    &path,
                    body.as_ref(),
                )
                .await;
            if got.status != expect[c] {
                failures.push(format!(
                    "{method} {path} as {caller}: expected {}, got {} {}",
                    expect[c], got.status, got.body
                ));
            }
            if got.status >= 400 {
                let after = (
                    s.audit_len().await,
                    s.store.report_count().await.expect("count"),
                );
                assert_eq!(
                    before, after,
                    "{method} {path} as {caller} was rejected ({}) but changed the audit log or \
                     the reports (entries, reports)",
                    got.status
                );
                assert!(
                    got.body["error"].is_string(),
                    "{method} {path} as {caller}: the {} \
                    answer has no JSON error: {}",
                    got.status,
                    got.body
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization table mismatches:\n{}",
        failures.join("\n")
    );
    let verified = s
        .get(fx.bearer[0].as_deref(), "/audit/verify")
        .await
        .expect(200, "verify");
    assert!(
        verified["first_broken"].is_null(),
        "the audit chain is intact: {verified}"
    );
}

both_backends!(every_route_by_every_caller, super::authorization_table);
