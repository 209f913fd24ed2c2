//! The dashboard side of `server-load`: a logged-in browser session (the real login form
//! and session cookie), and timed page loads at fleet scale.

use super::Res;
use super::measure::Latency;
use reqwest::{Client, StatusCode, header, redirect};
use std::time::{Duration, Instant};

/// A dashboard session of one user.
pub struct Dashboard {
    client: Client,
    base: String,
    cookie: String,
}

impl Dashboard {
    /// Logs `name` in through `POST /login` (the form a browser sends) and keeps the
    /// session cookie the server sets.
    pub async fn login(base: &str, name: &str, password: &str) -> Res<Dashboard> {
        let client = Client::builder()
            .timeout(Duration::from_secs(300))
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("name", name)
            .append_pair("password", password)
            .finish();
        let resp = client
            .post(format!("{base}/login"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST /login: {e}"))?;
        if resp.status() != StatusCode::SEE_OTHER && resp.status() != StatusCode::FOUND {
            return Err(format!("POST /login answered {}", resp.status()));
        }
        let cookie = resp
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or("POST /login set no session cookie")?
            .to_string();
        Ok(Dashboard {
            client,
            base: base.to_string(),
            cookie,
        })
    }

    /// GETs a page; it must answer 200 with a whole HTML document that contains `must`
    /// (a chart's `<svg`, a host's evidence), or the run fails.
    pub async fn page(&self, path: &str, must: &str) -> Res<usize> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| format!("GET {path}: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!("GET {path} (dashboard) answered {status}"));
        }
        if !text.contains("</html>") || !text.contains(must) {
            return Err(format!(
                "GET {path} (dashboard): the page lacks {must:?} ({} bytes)",
                text.len()
            ));
        }
        Ok(text.len())
    }

    /// Times `n` sequential loads of a page (each checked as [`Dashboard::page`]).
    pub async fn time_page(&self, path: &str, must: &str, n: usize) -> Res<Latency> {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            self.page(path, must).await?;
            samples.push(t.elapsed());
        }
        Ok(Latency::of(samples))
    }
}
