//! Users, API tokens, enrollment secrets and host credentials.
//!
//! Passwords are hashed here with Argon2id (PHC strings, random salt). Tokens, secrets
//! and credentials are random 256-bit values, returned in plain once and stored as their
//! SHA-256 (a high-entropy secret needs no slow hash); lookups go by that hash.

use crate::Store;
use crate::audit;
use crate::db::args;
use crate::error::{Result, StoreError};
use crate::model::{ApiToken, Role, User};
use crate::util::{ms, new_id, random_secret, sha256_hex, ts};
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use jiff::Timestamp;
use serde_json::json;

/// An Argon2id PHC string of `password`.
pub fn hash_password(password: &str) -> Result<String> {
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `phc` (false for a malformed string).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    name: String,
    role: String,
    password_hash: Option<String>,
    created_ms: i64,
}

fn role_of(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: "role".into(),
        message: format!("unknown role {s:?}"),
    })
}

impl UserRow {
    fn user(self) -> Result<User> {
        Ok(User {
            role: role_of(&self.role)?,
            id: self.id,
            name: self.name,
            created: ts(self.created_ms),
        })
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    role: String,
    created_ms: i64,
    created_by: String,
    revoked_ms: Option<i64>,
}

impl TokenRow {
    fn token(self) -> Result<ApiToken> {
        Ok(ApiToken {
            role: role_of(&self.role)?,
            id: self.id,
            name: self.name,
            created: ts(self.created_ms),
            created_by: self.created_by,
            revoked: self.revoked_ms.map(ts),
        })
    }
}

const TOKEN_COLUMNS: &str =
    "SELECT id, name, role, created_ms, created_by, revoked_ms FROM api_tokens";

impl Store {
    /// Adds a user; `password` (when given) is hashed with Argon2id. A taken name is an
    /// error.
    pub async fn create_user(
        &self,
        name: &str,
        role: Role,
        password: Option<&str>,
        at: Timestamp,
        actor: &str,
    ) -> Result<User> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a user name must not be empty".into()));
        }
        let hash = password.map(hash_password).transpose()?;
        let id = new_id();
        let mut tx = self.db.begin().await?;
        let inserted = tx
            .execute(
                "INSERT INTO users (id, name, role, password_hash, created_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                args![id.clone(), name, role.as_str(), hash, ms(at)],
            )
            .await?;
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Invalid(format!("user {name:?} exists already")));
        }
        let detail = json!({"name": name, "role": role.as_str()});
        audit::append(&mut tx, at, actor, "user.create", &id, &detail).await?;
        tx.commit().await?;
        Ok(User {
            id,
            name: name.to_string(),
            role,
            created: at,
        })
    }

    /// The user `name` when `password` matches, else `None`.
    pub async fn authenticate_user(&self, name: &str, password: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = self
            .db
            .read()
            .optional(
                "SELECT id, name, role, password_hash, created_ms FROM users \
                 WHERE name = $1 AND disabled_ms IS NULL",
                args![name],
            )
            .await?;
        match row {
            Some(r)
                if r.password_hash
                    .as_deref()
                    .is_some_and(|h| verify_password(password, h)) =>
            {
                r.user().map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = self
            .db
            .read()
            .all(
                "SELECT id, name, role, password_hash, created_ms FROM users ORDER BY name",
                args![],
            )
            .await?;
        rows.into_iter().map(UserRow::user).collect()
    }

    /// Creates an API token acting with `role`; returns it and the plain token, which is
    /// not stored and cannot be shown again.
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        at: Timestamp,
        actor: &str,
    ) -> Result<(ApiToken, String)> {
        let plain = random_secret("idt_")?;
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO api_tokens (id, name, role, token_hash, created_ms, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                id.clone(),
                name,
                role.as_str(),
                sha256_hex(plain.as_bytes()),
                ms(at),
                actor
            ],
        )
        .await?;
        let detail = json!({"name": name, "role": role.as_str()});
        audit::append(&mut tx, at, actor, "token.create", &id, &detail).await?;
        tx.commit().await?;
        let token = ApiToken {
            id,
            name: name.to_string(),
            role,
            created: at,
            created_by: actor.to_string(),
            revoked: None,
        };
        Ok((token, plain))
    }

    /// The unrevoked token whose plain value is `plain`.
    pub async fn token_by_secret(&self, plain: &str) -> Result<Option<ApiToken>> {
        let sql = format!("{TOKEN_COLUMNS} WHERE token_hash = $1 AND revoked_ms IS NULL");
        let row: Option<TokenRow> = self
            .db
            .read()
            .optional(&sql, args![sha256_hex(plain.as_bytes())])
            .await?;
        row.map(TokenRow::token).transpose()
    }

    /// Every token (revoked ones too), newest first.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let sql = format!("{TOKEN_COLUMNS} ORDER BY created_ms DESC, id");
        let rows: Vec<TokenRow> = self.db.read().all(&sql, args![]).await?;
        rows.into_iter().map(TokenRow::token).collect()
    }

    /// Revokes token `id`.
    pub async fn revoke_token(&self, id: &str, at: Timestamp, actor: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL",
                args![ms(at), id],
            )
            .await?;
        if n == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound {
                kind: "active token",
                id: id.to_string(),
            });
        }
        audit::append(&mut tx, at, actor, "token.revoke", id, &json!({})).await?;
        tx.commit().await
    }

    /// Creates an enrollment secret (valid until `expires`, or forever); returns the plain
    /// secret, shown once.
    pub async fn create_enrollment_secret(
        &self,
        expires: Option<Timestamp>,
        at: Timestamp,
        actor: &str,
    ) -> Result<String> {
        let plain = random_secret("ide_")?;
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO enrollment_secrets (id, secret_hash, created_ms, created_by, expires_ms) \
             VALUES ($1, $2, $3, $4, $5)",
            args![
                id.clone(),
                sha256_hex(plain.as_bytes()),
                ms(at),
                actor,
                expires.map(ms)
            ],
        )
        .await?;
        let detail = json!({"expires": expires.map(|t| t.to_string())});
        audit::append(&mut tx, at, actor, "secret.create", &id, &detail).await?;
        tx.commit().await?;
        Ok(plain)
    }

    /// Whether `plain` is an enrollment secret that is neither revoked nor expired at `at`.
    pub async fn enrollment_secret_valid(&self, plain: &str, at: Timestamp) -> Result<bool> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional(
                "SELECT id FROM enrollment_secrets WHERE secret_hash = $1 AND revoked_ms IS NULL \
                 AND (expires_ms IS NULL OR expires_ms > $2)",
                args![sha256_hex(plain.as_bytes()), ms(at)],
            )
            .await?;
        Ok(row.is_some())
    }

    /// Enrolls `host_id`: creates a host credential and returns it in plain, shown once.
    /// An enrolled host counts as known to the identification milestone from `at` on,
    /// even before its first report.
    pub async fn create_host_credential(
        &self,
        host_id: &str,
        at: Timestamp,
        actor: &str,
    ) -> Result<String> {
        if host_id.trim().is_empty() {
            return Err(StoreError::Invalid("a host id must not be empty".into()));
        }
        let plain = random_secret("idh_")?;
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO host_credentials (id, host_id, credential_hash, created_ms) \
             VALUES ($1, $2, $3, $4)",
            args![id.clone(), host_id, sha256_hex(plain.as_bytes()), ms(at)],
        )
        .await?;
        let detail = json!({"host": host_id});
        audit::append(&mut tx, at, actor, "host.enroll", &id, &detail).await?;
        tx.commit().await?;
        Ok(plain)
    }

    /// The host id a credential belongs to, when it is valid.
    pub async fn host_by_credential(&self, plain: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = self
            .db
            .read()
            .optional(
                "SELECT host_id FROM host_credentials WHERE credential_hash = $1 \
                 AND revoked_ms IS NULL",
                args![sha256_hex(plain.as_bytes())],
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Revokes every credential of host `host_id` (a decommissioned or compromised host:
    /// its agent must enroll again). Returns how many were revoked.
    pub async fn revoke_host_credentials(
        &self,
        host_id: &str,
        at: Timestamp,
        actor: &str,
    ) -> Result<u64> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "UPDATE host_credentials SET revoked_ms = $1 WHERE host_id = $2 \
                 AND revoked_ms IS NULL",
                args![ms(at), host_id],
            )
            .await?;
        if n == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound {
                kind: "enrolled host",
                id: host_id.to_string(),
            });
        }
        let detail = json!({"credentials": n});
        audit::append(&mut tx, at, actor, "host.revoke", host_id, &detail).await?;
        tx.commit().await?;
        Ok(n)
    }
}
