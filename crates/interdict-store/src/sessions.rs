//! Dashboard sessions and login throttling, kept in the database so every server process
//! sees them. A session token and its CSRF token are random 256-bit values; the cookie
//! carries the session token, the store only its SHA-256.

use crate::Store;
use crate::db::args;
use crate::error::Result;
use crate::model::User;
use crate::util::{ms, random_secret, sha256_hex};
use jiff::{SignedDuration, Timestamp};

/// A logged-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The synchronizer token every form of this session must carry.
    pub csrf: String,
    /// When the session ends.
    pub expires: Timestamp,
}

impl Store {
    /// Opens a session for `user` valid for `ttl`; returns the plain session token (for
    /// the cookie) and the session.
    pub async fn create_session(
        &self,
        user: &User,
        at: Timestamp,
        ttl: SignedDuration,
    ) -> Result<(String, Session)> {
        let token = random_secret("ids_")?;
        let csrf = random_secret("idc_")?;
        let expires = at.saturating_add(ttl).unwrap_or(at);
        let mut tx = self.db.begin().await?;
        tx.execute("DELETE FROM sessions WHERE expires_ms <= $1", args![ms(at)])
            .await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, $5)",
            args![
                sha256_hex(token.as_bytes()),
                user.id.as_str(),
                csrf.as_str(),
                ms(at),
                ms(expires)
            ],
        )
        .await?;
        tx.commit().await?;
        let session = Session {
            user: user.clone(),
            csrf,
            expires,
        };
        Ok((token, session))
    }

    /// The live session of a plain session token (none when unknown, expired, or the
    /// user is disabled).
    pub async fn session(&self, token: &str, at: Timestamp) -> Result<Option<Session>> {
        let row: Option<(String, i64, String)> = self
            .db
            .read()
            .optional(
                "SELECT s.user_id, s.expires_ms, s.csrf FROM sessions s \
                 JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_ms > $2 AND u.disabled_ms IS NULL",
                args![sha256_hex(token.as_bytes()), ms(at)],
            )
            .await?;
        let Some((user_id, expires_ms, csrf)) = row else {
            return Ok(None);
        };
        let user = self.users().await?.into_iter().find(|u| u.id == user_id);
        Ok(user.map(|user| Session {
            user,
            csrf,
            expires: crate::util::ts(expires_ms),
        }))
    }

    /// Ends the session of a plain session token.
    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            args![sha256_hex(token.as_bytes())],
        )
        .await?;
        tx.commit().await
    }

    /// Records a failed login for `name` at `at`.
    pub async fn record_login_failure(&self, name: &str, at: Timestamp) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO login_failures (name, at_ms) VALUES ($1, $2)",
            args![name, ms(at)],
        )
        .await?;
        tx.commit().await
    }

    /// Failed logins for `name` since `since`.
    pub async fn login_failures(&self, name: &str, since: Timestamp) -> Result<i64> {
        let (n,): (i64,) = self
            .db
            .read()
            .one(
                "SELECT count(*) FROM login_failures WHERE name = $1 AND at_ms >= $2",
                args![name, ms(since)],
            )
            .await?;
        Ok(n)
    }

    /// Forgets the failed logins of `name` (after a successful one).
    pub async fn clear_login_failures(&self, name: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute("DELETE FROM login_failures WHERE name = $1", args![name])
            .await?;
        tx.commit().await
    }
}
