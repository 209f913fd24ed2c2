//! Enrollment: the enrollment secret exchanged for a host credential, kept in the state
//! directory as `enrollment.json` (mode 0600).

use crate::client::Client;
use crate::{AgentError, Result, file_error};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The file of the state directory that holds the credential.
pub const ENROLLMENT_FILE: &str = "enrollment.json";

/// What enrollment leaves in the state directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The server URL.
    pub server: String,
    /// The host id the credential is bound to.
    pub host_id: String,
    /// The host credential (a bearer secret).
    pub credential: String,
    /// The CA file to trust for this server, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// When enrolled (RFC 3339).
    pub enrolled: String,
}

impl Enrollment {
    /// Enrolls `host_id` with `secret` at the client's server.
    pub fn request(client: &Client, secret: &str, host_id: &str) -> Result<(String, u16)> {
        let body = serde_json::json!({"secret": secret, "host_id": host_id});
        let (status, text) = client.post_json("/api/v1/enroll", None, &body)?;
        if status != 201 {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or(text);
            return Err(AgentError::Refused {
                server: client.server().to_string(),
                status,
                message,
            });
        }
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| AgentError::Refused {
                server: client.server().to_string(),
                status,
                message: format!("unreadable answer: {e}"),
            })?;
        let credential = v["credential"].as_str().unwrap_or_default().to_string();
        if credential.is_empty() {
            return Err(AgentError::Refused {
                server: client.server().to_string(),
                status,
                message: "the answer has no credential".into(),
            });
        }
        Ok((credential, status))
    }

    /// Writes the enrollment to `state_dir` (created 0700 when missing): a temporary file
    /// with mode 0600, synced, renamed into place.
    pub fn save(&self, state_dir: &Path) -> Result<PathBuf> {
        create_private_dir(state_dir)?;
        let path = state_dir.join(ENROLLMENT_FILE);
        let tmp = state_dir.join(format!(".{ENROLLMENT_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(|e| file_error(&path, e))?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| file_error(&tmp, e))?;
        f.write_all(&json)
            .and_then(|()| f.sync_all())
            .map_err(|e| file_error(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| file_error(&path, e))?;
        Ok(path)
    }

    /// Reads the enrollment of `state_dir`.
    pub fn load(state_dir: &Path) -> Result<Enrollment> {
        let path = state_dir.join(ENROLLMENT_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AgentError::NotEnrolled(state_dir.display().to_string()));
            }
            Err(e) => return Err(file_error(&path, e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| file_error(&path, format!("corrupt: {e}")))
    }
}

/// Creates `dir` (and parents) with mode 0700 when missing.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| file_error(dir, e))
}
