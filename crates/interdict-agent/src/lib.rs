//! The interdict agent: enrolls a host with the fleet server, runs scans on a schedule
//! under a strict resource budget, keeps reports in an offline spool until the server
//! takes them, and uploads saved report files from air-gapped sites.
//!
//! # Shape
//! - [`enrollment`]: `POST /api/v1/enroll` with the fleet's enrollment secret; the host
//!   credential it answers is kept in the state directory (mode 0600).
//! - [`client`]: the HTTP client (ureq, rustls with aws-lc-rs; the OS trust store through
//!   the platform verifier, or only the roots of a `--ca-file`). There is no switch that
//!   turns certificate verification off.
//! - [`governor`]: the scan runs as a child process (`interdict scan --format json
//!   --inventory`) at the lowest CPU and I/O priority, duty-cycled with `SIGSTOP` /
//!   `SIGCONT` so that the agent's CPU time (child and agent together) stays under a share
//!   of one core in every sliding window (default 5% over 12 s, osquery's watchdog bar); a
//!   slower scan is the price.
//! - [`spool`]: each report is written gzip-compressed to the spool (fsynced, renamed into
//!   place) before any upload; uploads go oldest first; a 5xx or an unreachable server
//!   stops the flush for a back-off; a 4xx sets the report aside in `rejected/` with the
//!   server's message; the spool is bounded (oldest dropped with a warning).
//!
//! **Boundary:** no dependency on the scanner or the server: the agent runs the
//! `interdict` binary's own `scan` as a child and speaks the server's HTTP API.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod enrollment;
pub mod governor;
pub mod runner;
pub mod spool;

/// Why an agent operation failed; every variant names the file or server concerned.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A file of the state directory (or a CA file) cannot be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The server could not be reached (connection, DNS, TLS, timeout).
    #[error("{server}: unreachable: {message}")]
    Unreachable {
        /// The server URL.
        server: String,
        /// What went wrong.
        message: String,
    },
    /// The server refused the request.
    #[error("{server}: HTTP {status}: {message}")]
    Refused {
        /// The server URL.
        server: String,
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The host is not enrolled (no credential in the state directory).
    #[error("not enrolled: {0} has no credential; run `interdict agent enroll` first")]
    NotEnrolled(String),
    /// The scan child failed.
    #[error("scan failed: {0}")]
    Scan(String),
}

/// Result of an agent operation.
pub type Result<T, E = AgentError> = std::result::Result<T, E>;

pub(crate) fn file_error(path: &std::path::Path, e: impl std::fmt::Display) -> AgentError {
    AgentError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
