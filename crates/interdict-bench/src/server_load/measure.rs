//! The HTTP side of `server-load`: concurrent report ingest, timed reads and paging.

use super::Res;
use reqwest::{Client, StatusCode, header};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Latency percentiles of a set of requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `samples` (nearest rank).
    pub fn of(mut samples: Vec<Duration>) -> Latency {
        samples.sort_unstable();
        let rank = |p: usize| {
            let i = (samples.len() * p).div_ceil(100).max(1) - 1;
            samples.get(i).copied().unwrap_or_default()
        };
        Latency {
            p50: rank(50),
            p95: rank(95),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// What the ingest phase measured.
pub struct Ingest {
    /// Reports stored (all answered 201).
    pub reports: usize,
    /// Wall time of the whole phase.
    pub elapsed: Duration,
    /// POST latency.
    pub latency: Latency,
}

/// An authenticated client of one server.
#[derive(Clone)]
pub struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    /// A client of `base` (`http://127.0.0.1:PORT`) sending `token`.
    pub fn new(base: &str, token: &str) -> Res<Api> {
        let client = Client::builder()
            .timeout(Duration::from_secs(300))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api {
            client,
            base: format!("{base}/api/v1"),
            token: token.to_string(),
        })
    }

    /// POSTs one gzip report; the status.
    async fn post_report(&self, body: Vec<u8>) -> Res<StatusCode> {
        let resp = self
            .client
            .post(format!("{}/reports", self.base))
            .bearer_auth(&self.token)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST /reports: {e}"))?;
        let status = resp.status();
        if status != StatusCode::CREATED {
            let text = resp.text().await.unwrap_or_default();
            return Err(format!("POST /reports answered {status}: {text}"));
        }
        Ok(status)
    }

    /// GETs `path_and_query` (under `/api/v1`) and parses the JSON answer (200 only).
    pub async fn get(&self, path_and_query: &str) -> Res<Value> {
        let resp = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("GET {path_and_query}: {e}"))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("GET {path_and_query}: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!(
                "GET {path_and_query} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("GET {path_and_query}: {e}"))
    }

    /// Times `n` sequential GETs of `path_and_query`.
    pub async fn time_get(&self, path_and_query: &str, n: usize) -> Res<Latency> {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            self.get(path_and_query).await?;
            samples.push(t.elapsed());
        }
        Ok(Latency::of(samples))
    }

    /// The number of items of a paginated list (`path` may carry a query; pages of
    /// 1,000), and the cursor that starts at item `skip` (if the list is that long).
    pub async fn count(&self, path: &str, skip: usize) -> Res<(usize, Option<String>)> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (mut total, mut cursor, mut at_skip) = (0, None::<String>, None);
        loop {
            let page = match &cursor {
                None => self.get(&format!("{path}{sep}limit=1000")).await?,
                Some(c) => {
                    self.get(&format!("{path}{sep}limit=1000&cursor={c}"))
                        .await?
                }
            };
            let items = page["items"]
                .as_array()
                .ok_or(format!("GET {path}: no items"))?;
            total += items.len();
            if at_skip.is_none() && total >= skip && skip > 0 {
                at_skip = cursor.clone();
            }
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => return Ok((total, at_skip)),
            }
        }
    }

    /// POSTs every body with `clients` concurrent clients; stops with an error at the
    /// first answer other than 201, or once `deadline` has passed.
    pub async fn ingest(
        &self,
        bodies: Arc<Vec<Vec<u8>>>,
        clients: usize,
        deadline: Duration,
    ) -> Res<Ingest> {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients.max(1) {
            let (api, bodies, next) = (self.clone(), bodies.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else {
                        return Ok::<_, String>(samples);
                    };
                    if started.elapsed() > deadline {
                        return Err(format!(
                            "ingest passed its time limit of {deadline:?} after {i} reports"
                        ));
                    }
                    let t = Instant::now();
                    api.post_report(body.clone()).await?;
                    samples.push(t.elapsed());
                }
            }));
        }
        let mut samples = Vec::with_capacity(bodies.len());
        for t in tasks {
            samples.extend(t.await.map_err(|e| e.to_string())??);
        }
        Ok(Ingest {
            reports: samples.len(),
            elapsed: started.elapsed(),
            latency: Latency::of(samples),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ms = |n| Duration::from_millis(n);
        let l = Latency::of((1..=200).rev().map(ms).collect());
        assert_eq!((l.p50, l.p95, l.max), (ms(100), ms(190), ms(200)));
        let one = Latency::of(vec![ms(7)]);
        assert_eq!((one.p50, one.p95), (ms(7), ms(7)));
    }
}
