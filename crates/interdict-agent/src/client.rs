//! The HTTP client: ureq over rustls (aws-lc-rs), trusting the platform's roots or only
//! those of a CA file.

use crate::{AgentError, Result, file_error};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

/// What the server answered to an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// 201: stored.
    Created,
    /// 200: a report with this id was stored before.
    Duplicate,
    /// 4xx: the server will not take it; retrying will not help.
    Rejected {
        /// The status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// 5xx, or no answer: try again later.
    Unavailable(String),
}

/// A client of one server.
#[derive(Clone)]
pub struct Client {
    server: String,
    agent: ureq::Agent,
}

/// Reads the certificates of a PEM file (a CA bundle).
fn ca_certificates(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let pem = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(file_error(path, format!("not a PEM file: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(file_error(path, "holds no PEM certificate"));
    }
    Ok(certs)
}

/// The server's message in an error body (`{"error": "…"}`), else the body itself.
fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(500).collect())
}

impl Client {
    /// A client of `server` (`https://host:port` or `http://…`), trusting the roots in
    /// `ca_file` only, or the platform's trust store without one.
    pub fn new(server: &str, ca_file: Option<&Path>) -> Result<Client> {
        let roots = match ca_file {
            Some(f) => RootCerts::new_with_certs(&ca_certificates(f)?),
            None => RootCerts::PlatformVerifier,
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .new_agent();
        Ok(Client {
            server: server.trim_end_matches('/').to_string(),
            agent,
        })
    }

    /// The server URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> AgentError {
        AgentError::Unreachable {
            server: self.server.clone(),
            message: e.to_string(),
        }
    }

    /// GETs `path` (`/api/v1/whoami`), answering (status, body text).
    pub fn get(&self, path: &str, bearer: &str) -> Result<(u16, String)> {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.server))
            .header("Authorization", &format!("Bearer {bearer}"))
            .call()
            .map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        Ok((status, text))
    }

    /// POSTs JSON `body` to `path`, answering (status, body text).
    pub fn post_json(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<(u16, String)> {
        let mut req = self.agent.post(format!("{}{path}", self.server));
        if let Some(b) = bearer {
            req = req.header("Authorization", &format!("Bearer {b}"));
        }
        let mut resp = req.send_json(body).map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Ok((status, text))
    }

    /// Uploads a report document read from `body` (gzip-compressed when `gzip`), with
    /// `bearer` (a host credential or an API token).
    pub fn upload(&self, body: &mut dyn Read, gzip: bool, bearer: &str) -> Delivery {
        let mut req = self
            .agent
            .post(format!("{}/api/v1/reports", self.server))
            .header("Authorization", &format!("Bearer {bearer}"))
            .header("Content-Type", "application/json");
        if gzip {
            req = req.header("Content-Encoding", "gzip");
        }
        let mut resp = match req.send(ureq::SendBody::from_reader(body)) {
            Ok(r) => r,
            Err(e) => return Delivery::Unavailable(self.unreachable(e).to_string()),
        };
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        match status {
            201 => Delivery::Created,
            200 => Delivery::Duplicate,
            400..=499 => Delivery::Rejected {
                status,
                message: message_of(&text),
            },
            _ => Delivery::Unavailable(format!(
                "{}: HTTP {status}: {}",
                self.server,
                message_of(&text)
            )),
        }
    }
}
