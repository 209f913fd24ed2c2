//! The dashboard over real HTTP against `interdict serve` with a seeded fleet (three hosts
//! scanned from fixture roots, two with KESL): login and its throttling, the overview's
//! numbers and burn-down, a host page's evidence, bulk planning through the form, CSRF and
//! same-origin refusals, the auditor's read-only view, logout.

mod support;

use support::server::{Api, Db, Server, add_user, admin, host_root, scan_report, token};

const KASPERSKY: &str = "AO Kaspersky Lab <support@kaspersky.com>";

/// A cookie-less HTTP client that does not follow redirects.
struct Browser {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

/// (status, Location, body).
type Page = (u16, String, String);

impl Browser {
    fn new(server: &Server) -> Browser {
        Browser {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            cookie: None,
        }
    }

    fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header("Cookie", c.clone()),
            None => req,
        };
        let resp = self.rt.block_on(req.send()).unwrap();
        if let Some(set) = resp.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair).filter(|p| !p.ends_with('='));
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, self.rt.block_on(resp.text()).unwrap())
    }

    fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, form, None)
    }

    /// POSTs a form, claiming to come from `origin` when given.
    fn post_from(&mut self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        self.send(req)
    }

    fn login(&mut self, name: &str, password: &str) -> Page {
        self.post("/login", &[("name", name), ("password", password)])
    }
}

/// The value of the first hidden `csrf` input of a page.
fn csrf(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

#[test]
fn dashboard_shows_the_fleet_and_plans_through_forms() {
    let db = Db::sqlite();
    let pw = tempfile::tempdir().unwrap();
    for (name, role) in [
        ("alice", "analyst"),
        ("bob", "auditor"),
        ("carol", "analyst"),
    ] {
        add_user(&db, pw.path(), name, role);
    }
    let start = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(jiff::Span::new().days(20))
        .unwrap()
        .to_string();
    let (code, _, err) = admin(
        &db,
        &["directive", "activate", "bod-17-01", "--start", &start],
    );
    assert_eq!(code, 0, "{err}");
    let server = Server::start(&db, &[]);
    let analyst = token(&db, "analyst");
    let api = Api::new(&server, &analyst);
    let roots = [
        host_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &[("kesl", KASPERSKY)]),
        host_root("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", &[("kesl", KASPERSKY)]),
        host_root("cccccccccccccccccccccccccccccccc", &[]),
    ];
    for r in &roots {
        let (status, body) = api.post("/reports", &scan_report(r.path()));
        assert_eq!(status, 201, "{body}");
    }

    let mut web = Browser::new(&server);
    let (status, location, _) = web.get("/");
    assert_eq!((status, location.as_str()), (303, "/login"));

    // Five wrong passwords lock the name, even for the right one.
    for _ in 0..5 {
        let (status, _, body) = web.login("carol", "wrong");
        assert_eq!(status, 401);
        assert!(body.contains("Wrong user name or password"));
    }
    let (status, _, body) = web.login("carol", "carol-password");
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("Too many failed logins"));

    let (status, location, _) = web.login("alice", "alice-password");
    assert_eq!((status, location.as_str()), (303, "/"));
    let (status, _, home) = web.get("/");
    assert_eq!(status, 200, "{home}");
    for (id, n) in [
        ("hosts-total", 3),
        ("hosts-affected", 2),
        ("hosts-clean", 1),
        ("hosts-stale", 0),
    ] {
        assert!(
            home.contains(&format!(r#"id="{id}">{n}<"#)),
            "{id} = {n}: {home}"
        );
    }
    assert!(
        home.contains(r#"class="value affected-endpoints">2<"#),
        "{home}"
    );
    assert!(
        home.contains("days left") || home.contains("due today"),
        "a countdown: {home}"
    );
    assert!(
        home.contains("<circle") && !home.contains("No reports yet"),
        "a drawn burn-down"
    );
    assert!(
        home.contains("Kaspersky Endpoint Security for Linux"),
        "{home}"
    );

    let (status, _, host) = web.get("/hosts/machine-id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(status, 200, "{host}");
    assert!(
        host.contains("var/lib/dpkg/status") && host.contains("kesl"),
        "evidence: {host}"
    );
    // The removal plan of the host, linked from its page: a sh script to download.
    let link = "/hosts/machine-id%3Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/plan?format=sh";
    assert!(
        host.contains("Removal plan") && host.contains(link),
        "{host}"
    );
    let (status, _, script) = web.get(link);
    assert_eq!(status, 200, "{script}");
    assert!(
        script.starts_with("#!/bin/sh\n") && script.contains("if dpkg-query -W 'kesl'"),
        "{script}"
    );
    // `interdict plan --host ID --server URL` prints the same plan.
    let (code, cli, err) = support::interdict(&[
        "plan",
        "--host",
        "machine-id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "--server",
        &server.base,
        "--token",
        &analyst,
        "--format",
        "sh",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(cli, script);

    let (_, _, findings) = web.get("/findings?product=kesl");
    let token = csrf(&findings);
    let ids: Vec<String> = findings
        .match_indices(r#"name="ids" value=""#)
        .map(|(i, m)| {
            findings[i + m.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{findings}");
    let plan = |csrf: &str| -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("csrf", csrf.to_string()),
            ("owner", "desktop team".to_string()),
            ("due", "2030-01-31".to_string()),
            ("removal_method", "uninstall via SCCM".to_string()),
        ];
        f.extend(ids.iter().map(|i| ("ids", i.clone())));
        f
    };
    let form = plan("forged");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = web.post("/findings/plan", &pairs);
    assert_eq!(status, 403, "no valid CSRF token: {body}");
    let form = plan(&token);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = web.post_from("/findings/plan", &pairs, Some("https://evil.example"));
    assert_eq!(status, 403, "cross-origin refused");
    let (status, location, _) = web.post("/findings/plan", &pairs);
    assert_eq!(status, 303);
    assert!(
        location.contains("2%20finding") || location.contains("2+finding"),
        "{location}"
    );
    let (_, _, planned) = web.get("/findings?state=planned");
    assert_eq!(
        planned.matches(r#"finding-state">planned<"#).count(),
        2,
        "{planned}"
    );

    let (_, _, page) = web.get("/");
    let (status, location, _) = web.post("/logout", &[("csrf", &csrf(&page))]);
    assert_eq!((status, location.as_str()), (303, "/login"));
    assert_eq!(web.get("/").0, 303, "logged out");

    // The auditor reads but cannot submit.
    let mut audit = Browser::new(&server);
    assert_eq!(audit.login("bob", "bob-password").0, 303);
    let (status, _, page) = audit.get("/findings");
    assert_eq!(status, 200);
    assert!(
        !page.contains("plan-submit") && !page.contains("exception-form"),
        "{page}"
    );
    let bob_csrf = csrf(&page);
    let form = plan(&bob_csrf);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = audit.post("/findings/plan", &pairs);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("read-only"));
    let (status, _, audit_page) = audit.get("/audit");
    assert_eq!(status, 200);
    assert!(audit_page.contains("The chain is intact"), "{audit_page}");
    let (status, _, directive) = audit.get("/directives/bod-17-01");
    assert_eq!(status, 200);
    assert!(directive.contains(&start), "day 0 shown: {directive}");
}

/// The directive page links the three deliverables (the same documents as the API's) and
/// saves the plan's manual elements through a CSRF-checked form; auditors cannot.
#[test]
fn deliverables_and_plan_details_from_the_directive_page() {
    let db = Db::sqlite();
    let pw = tempfile::tempdir().unwrap();
    add_user(&db, pw.path(), "alice", "analyst");
    add_user(&db, pw.path(), "bob", "auditor");
    let server = Server::start(&db, &[]);
    let api = Api::new(&server, &token(&db, "analyst"));
    let root = host_root("dddddddddddddddddddddddddddddddd", &[("kesl", KASPERSKY)]);
    let (status, body) = api.post("/reports", &scan_report(root.path()));
    assert_eq!(status, 201, "{body}");

    let mut alice = Browser::new(&server);
    assert_eq!(alice.login("alice", "alice-password").0, 303);
    let (status, _, page) = alice.get("/directives/bod-17-01");
    assert_eq!(status, 200);
    for kind in ["identification", "plan", "status"] {
        assert!(
            page.contains(&format!("href=\"/directives/bod-17-01/reports/{kind}\"")),
            "{kind}"
        );
    }
    assert!(page.contains("Nothing entered yet"));
    let (status, _, html) = alice.get("/directives/bod-17-01/reports/identification");
    assert_eq!(status, 200);
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    assert!(html.contains("1 distinct hosts affected"), "{html}");

    let token = csrf(&page);
    let form = [
        ("csrf", token.as_str()),
        ("agency", "Department of Examples"),
        ("costs", "USD 12,000"),
    ];
    let (status, location, _) = alice.post("/directives/bod-17-01/plan-details", &form);
    assert_eq!(status, 303);
    assert!(location.contains("version+1"), "{location}");
    let (_, _, plan) = alice.get("/directives/bod-17-01/reports/plan?format=json");
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["plan_details"]["version"], 1);
    assert_eq!(plan["elements"][0]["text"], "Department of Examples");
    assert_eq!(plan["elements"][13]["text"], "USD 12,000");
    assert_eq!(plan["elements"][1]["text"], "not yet provided");
    let (_, _, page) = alice.get("/directives/bod-17-01");
    assert!(page.contains(">Department of Examples</textarea>"));

    // A tampered token, and an auditor's valid one, save nothing.
    let forged = [("csrf", "forged"), ("agency", "Evil")];
    assert_eq!(
        alice.post("/directives/bod-17-01/plan-details", &forged).0,
        403
    );
    let mut bob = Browser::new(&server);
    assert_eq!(bob.login("bob", "bob-password").0, 303);
    let (_, _, page) = bob.get("/directives/bod-17-01");
    assert!(
        !page.contains("Save as a new version"),
        "auditors get no save button"
    );
    let token = csrf(&page);
    let form = [("csrf", token.as_str()), ("agency", "Evil")];
    assert_eq!(bob.post("/directives/bod-17-01/plan-details", &form).0, 403);
    let (status, current) = api.get("/directives/bod-17-01/plan-details");
    assert_eq!(status, 200);
    assert_eq!(current["version"], 1);
    assert_eq!(current["details"]["agency"], "Department of Examples");
}
