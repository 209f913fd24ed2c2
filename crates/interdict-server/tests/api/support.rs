//! The server under test: the real application on a real socket (127.0.0.1, a free port)
//! over a [`Backend`], a `reqwest` client, and small builders of requests and reports.

use interdict_catalog::Catalog;
use interdict_findings::Report;
use interdict_server::{AppState, Limits, Listen};
use interdict_store::testing::Backend;
use interdict_store::{Role, Store};
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::oneshot;

pub use interdict_store::testing::{day, finding, import, package, scan};

/// The directive the bundled catalog bans Kaspersky-branded products with.
pub const DIRECTIVE: &str = "bod-17-01";

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The store behind it (for setup and for checking what a request changed).
    pub store: Store,
    /// The digest of the server's catalog.
    pub digest: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

/// An answer: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The parsed body.
    pub body: Value,
}

impl Answer {
    /// Panics with the body unless the status is `want`; returns the body.
    #[track_caller]
    pub fn expect(self, want: u16, what: &str) -> Value {
        assert_eq!(
            self.status, want,
            "{what}: expected HTTP {want}, got {} with body {}",
            self.status, self.body
        );
        self.body
    }

    /// The `error` message of a JSON error body; panics when there is none.
    #[track_caller]
    pub fn error(&self) -> &str {
        self.body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no JSON `error` in {}", self.body))
    }
}

impl Server {
    /// The server with default limits over `b`'s store and the bundled catalog.
    pub async fn start(b: &Backend) -> Server {
        Server::with_limits(b, Limits::default()).await
    }

    /// The server with `limits`.
    pub async fn with_limits(b: &Backend, limits: Limits) -> Server {
        let catalog = Catalog::bundled().expect("the bundled catalog");
        let digest = catalog.digest();
        let (state, _) = AppState::new(b.store.clone(), catalog, limits)
            .await
            .expect("app state");
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let listen = Listen {
            addr: "127.0.0.1:0".parse().expect("address"),
            tls: None,
        };
        tokio::spawn(async move {
            let ready = move |addr: std::net::SocketAddr, _: &str| {
                let _ = ready_tx.send(addr);
            };
            let shutdown = async move {
                let _ = stopped.await;
            };
            interdict_server::serve(state, &listen, ready, shutdown)
                .await
                .expect("the server runs");
        });
        let addr = tokio::time::timeout(Duration::from_secs(30), ready_rx)
            .await
            .expect("the server listens within 30 s")
            .expect("the server reports its address");
        Server {
            base: format!("http://{addr}"),
            store: b.store.clone(),
            digest,
            client: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    /// A new API token with `role`.
    pub async fn token(&self, role: Role) -> String {
        let name = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4().simple());
        let (_, secret) = self
            .store
            .create_token(&name, role, Timestamp::now(), "test")
            .await
            .expect("create a token");
        secret
    }

    /// Enrolls host `machine-id:NAME` through the API (an admin creates the enrollment
    /// secret); returns its host credential.
    pub async fn enroll(&self, admin: &str, name: &str) -> String {
        let secret = self
            .post(Some(admin), "/enrollment-secrets", &json!({}))
            .await
            .expect(201, "enrollment secret")["secret"]
            .as_str()
            .expect("secret")
            .to_string();
        let body = json!({"secret": secret, "host_id": host_id(name)});
        self.post(None, "/enroll", &body)
            .await
            .expect(201, "enroll")["credential"]
            .as_str()
            .expect("credential")
            .to_string()
    }

    /// Sends a request to `path` (under `/api/v1`) with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        answer(req).await
    }

    /// `GET path`.
    pub async fn get(&self, token: Option<&str>, path: &str) -> Answer {
        self.call(Method::GET, token, path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, token: Option<&str>, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, token, path, Some(body)).await
    }

    /// `POST /reports` with raw bytes and extra headers.
    pub async fn post_raw(
        &self,
        token: Option<&str>,
        bytes: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/api/v1/reports", self.base))
            .header("content-type", "application/json")
            .body(bytes);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(req).await
    }

    /// `POST /reports` with `report` as JSON.
    pub async fn send(&self, token: &str, report: &Report) -> Answer {
        let bytes = serde_json::to_vec(report).expect("report JSON");
        self.post_raw(Some(token), bytes, &[]).await
    }

    /// Every item of a list, following `next` (pages of `limit`).
    pub async fn all(&self, token: &str, path: &str, limit: u32) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let mut url = format!("{path}{sep}limit={limit}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(Some(token), &url).await.expect(200, path);
            let got = page["items"].as_array().expect("items").clone();
            assert!(got.len() <= limit as usize, "{path}: a page over its limit");
            items.extend(got);
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => return items,
            }
        }
        panic!("{path}: more than 1000 pages");
    }

    /// The finding of `product` on host `machine-id:NAME`, as the API lists it.
    pub async fn finding_of(&self, token: &str, name: &str, product: &str) -> Value {
        let path = format!("/findings?host={}&product={product}", host_id(name));
        let items = self.all(token, &path, 100).await;
        assert_eq!(items.len(), 1, "one {product} finding on {name}: {items:?}");
        items[0].clone()
    }

    /// The id of the finding of `product` on host `machine-id:NAME`.
    pub async fn finding_id(&self, token: &str, name: &str, product: &str) -> String {
        let f = self.finding_of(token, name, product).await;
        f["id"].as_str().expect("finding id").to_string()
    }

    /// The state of finding `id` now.
    pub async fn state(&self, token: &str, id: &str) -> String {
        let detail = self
            .get(Some(token), &format!("/findings/{id}"))
            .await
            .expect(200, "finding detail");
        detail["finding"]["state"]
            .as_str()
            .expect("state")
            .to_string()
    }

    /// The number of audit entries (every change appends one).
    pub async fn audit_len(&self) -> i64 {
        self.store
            .verify_audit()
            .await
            .expect("verify audit")
            .entries
    }

    /// A scan of host `machine-id:NAME` finished on day `d`, made with the server's
    /// catalog (so the server keeps its findings).
    pub fn scan(&self, id: &str, name: &str, d: i64, findings: Vec<Value>) -> Report {
        let mut r = scan(id, name, day(d), findings, &[], None);
        r.catalog.digest = self.digest.clone();
        r
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.expect("the request reaches the server");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("the body");
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// The host id reports built by [`scan`] carry for host `name`.
pub fn host_id(name: &str) -> String {
    format!("machine-id:{name}")
}

/// A Kaspersky finding of `product` under [`DIRECTIVE`], found by the dpkg collector.
pub fn kaspersky(product: &str) -> Value {
    finding(product, DIRECTIVE, "dpkg-status")
}

/// The current instant to the millisecond, once the clock has moved past it: every
/// change made after this call is recorded strictly later than the instant returned
/// (the store keeps milliseconds).
pub async fn instant() -> Timestamp {
    let t = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).expect("instant");
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while Timestamp::now().as_millisecond() <= t.as_millisecond() {
        assert!(
            std::time::Instant::now() < deadline,
            "the clock did not move"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    t
}
