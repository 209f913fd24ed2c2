//! The fleet server's store: hosts, reports, inventories, findings with their lifecycle,
//! exceptions, directive milestones, as-of history and a hash-chained audit log — one code
//! base on **SQLite** (a file in the data dir, the default) and **PostgreSQL** (the
//! scale-out path).
//!
//! # Backends
//! sqlx with native pools ([`Store::open_data_dir`], [`Store::open_sqlite`],
//! [`Store::connect`]); the same SQL text runs on both (`$1…$N` placeholders, BIGINT Unix
//! milliseconds, ids generated here, `ON CONFLICT`, `RETURNING`, `lower(x) LIKE`). Two
//! migration folders (`migrations/sqlite`, `migrations/postgres`) are embedded and applied
//! at open. SQLite runs in WAL mode with `synchronous=FULL` (a report is acknowledged only
//! once durable), foreign keys on, a busy timeout and a single writer connection; a file
//! that is not a SQLite database is refused, named, and never overwritten.
//!
//! Nothing is cached in memory: several server processes may share one PostgreSQL
//! database. Concurrency is the database's: unique constraints and `ON CONFLICT` for
//! idempotent inserts, a row lock on the host for its lifecycle, a row lock on the audit
//! chain head for appends (SQLite: `BEGIN IMMEDIATE` on the one writer).
//!
//! # Ingest and re-evaluation
//! [`Store::ingest`] stores a [`interdict_findings::Report`] with the findings the caller
//! computed per host ([`findings_by_host`] splits a report's own). The store does not
//! match: after a catalog change the caller walks [`Store::inventories_for_reevaluation`]
//! (each distinct stored inventory once, with the hosts holding it), matches, and calls
//! [`Store::replace_findings`] per host.
//!
//! # Finding lifecycle
//! | from | to | when |
//! |---|---|---|
//! | — | `identified` | a scan (or a re-evaluation) shows a product the host had no finding of |
//! | `identified`, `reappeared`, `planned` | `planned` | [`Store::plan_findings`] (owner, due date, method) |
//! | `planned` | `removal-in-progress` | [`Store::start_removal`] |
//! | any present state | `removed` | a newer scan of the host no longer shows the product, and the collectors that had found it ran without error (a failed collector proves no absence) |
//! | `removed` | `verified` | a later scan still without it, in which again every collector that had found it ran without error |
//! | `removed`, `verified` | `reappeared` | a scan shows the product again |
//! | open state | `excepted` | [`Store::grant_exception`] (justification, approver, expiry) |
//! | `excepted` | `identified` | the exception expired ([`Store::expire_exceptions`]) |
//!
//! "Ran without error": the report lists the collector in its stats with no errors and no
//! error record names it; a report that lists no collectors (imports, SBOMs — one export
//! each) counts every collector not named by an error. Every change writes a
//! `finding_events` row (who, when, why, the plan then) and is listed in the audit entry
//! of its operation.
//!
//! # Milestones
//! [`Store::activate`] sets day 0 of a directive; [`Store::milestones`] lists every due
//! date of [`interdict_catalog::schedule`] with a status computed from the data **as of
//! `min(now, due)`** (a due date holds through its whole day, UTC). "Known hosts" are
//! hosts that reported or were enrolled ([`Store::create_host_credential`]); a rule never
//! holds for a fleet of no known host. The rules:
//!
//! | deliverable | met when |
//! |---|---|
//! | `identify-report` | every known host has a scan |
//! | `removal-plan` | no finding of the directive is `identified` or `reappeared` (all open ones planned) |
//! | `begin-removal` | no finding of the directive is `identified`, `planned` or `reappeared` |
//! | `status-report` (each recurring point) | every known host has a scan received in the period before the point, or removal is complete (every finding `verified` or `excepted`) |
//! | `remove-and-block`, `prohibition-effective`, `updates-end` | no finding of the directive is open |
//! | `implications-review`, `no-new-agreements`, `contracts`, `solicitations`, others | `untracked`: scan data cannot tell |
//!
//! A milestone not met is `missed` after its due date, `at-risk` within [`AT_RISK_DAYS`]
//! days of it, else `not-yet-due`.
//!
//! # As-of
//! [`Store::findings`] with `as_of`, [`Store::overview`] and [`Store::milestones`] with a
//! past instant read the event history: each finding's state is that of its last event at
//! or before the instant (the state as the server knew it then); findings created later
//! are absent.
//!
//! # Deliverables
//! [`Store::hosts_as_of`] (every known host with its last scan and its findings' states as
//! of an instant), [`Store::directive_events`] (the event history the burn-down reads) and
//! the plan of action's manual elements, versioned: [`Store::save_plan_details`] appends a
//! version, [`Store::plan_details`] reads the one current at an instant.
//!
//! # History
//! [`Store::reports_received`], [`Store::enrollments`] and [`Store::recorded_actions`]
//! list what the state was made from, in arrival order: replayed into an empty store with
//! the same catalog they give the same deliverables (an evidence pack's re-computation).
//!
//! # Audit
//! Every operation appends one entry (who, when, what, the previous entry's hash; the hash
//! is SHA-256 over length-prefixed fields). [`Store::verify_audit`] names the first broken
//! link after any edit or deletion.
//!
//! # Secrets
//! Passwords: Argon2id PHC strings, hashed here ([`hash_password`]). API tokens,
//! enrollment secrets and host credentials: random 256 bits, returned once, stored as
//! SHA-256.
//!
//! **Boundary:** depends on `interdict-findings` (the report document) and
//! `interdict-catalog` (directives, schedule) only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod audit;
mod auth;
mod db;
mod error;
mod history;
mod ingest;
mod lifecycle;
mod milestones;
mod model;
mod open;
mod overview;
mod query;
mod sessions;
mod settings;
mod snapshot;
#[cfg(feature = "test-support")]
pub mod testing;
mod util;

pub use auth::{hash_password, verify_password};
pub use error::{Result, StoreError};
pub use history::{Enrollment, LifecycleAction, ReceivedReport, RecordedAction};
pub use ingest::{HostFindings, InventoryHost, StoredInventory, findings_by_host};
pub use milestones::AT_RISK_DAYS;
pub use model::*;
pub use open::SQLITE_FILE;
pub use overview::Overview;
pub use query::{FindingFilter, HostFilter};
pub use sessions::Session;
pub use settings::CATALOG_DIGEST;
pub use snapshot::{DirectiveEvent, FindingAsOf, HostAsOf, PlanDetailsVersion};

/// The store: a handle on the database, cheap to clone (the pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    db: db::Db,
    location: String,
}

/// The futures of the public API are `Send` (a server spawns them on a multi-threaded
/// runtime); this only has to compile.
#[cfg(test)]
#[allow(dead_code)]
mod send_check {
    use crate::*;
    use jiff::Timestamp;

    fn send<T: Send>(_: &T) {}

    async fn api_futures_are_send(
        s: Store,
        c: interdict_catalog::Catalog,
        r: interdict_findings::Report,
        t: Timestamp,
    ) {
        send(&s.ingest(&r, None, &HostFindings::new(), t, "a"));
        send(&s.replace_findings_batch(&[], t, "a"));
        send(&s.inventories_for_reevaluation(None, 1));
        send(&s.plan_findings(&[], &plan(), t, "a", "r"));
        send(&s.start_removal(&[], t, "a", "r"));
        send(&s.grant_exception("f", "j", "a", t, t, "a"));
        send(&s.revoke_exception("e", t, "a"));
        send(&s.expire_exceptions(t, "a"));
        send(&s.activate(&c, "d", None, t, "a"));
        send(&s.milestones(&c, t));
        send(&s.overview(t, None));
        send(&s.hosts(&HostFilter::default(), None, 1));
        send(&s.findings(&FindingFilter::default(), Some(t), None, 1));
        send(&s.products(None, None, 1));
        send(&s.scans("h", None, 1));
        send(&s.audit_entries(None, 1));
        send(&s.verify_audit());
        send(&s.hosts_as_of("d", t));
        send(&s.directive_events("d", t));
        send(&s.save_plan_details("d", &serde_json::json!({}), t, "a"));
        send(&s.plan_details("d", None));
        send(&s.create_user("u", Role::Admin, None, t, "a"));
        send(&s.authenticate_user("u", "p"));
        send(&s.create_token("n", Role::Admin, t, "a"));
        send(&s.token_by_secret("x"));
        send(&s.create_host_credential("h", t, "a"));
        send(&s.host_by_credential("x"));
        send(&Store::connect("postgres://x"));
        send(&Store::open_data_dir(std::path::Path::new("x")));
    }

    fn plan() -> Plan {
        Plan {
            owner: "o".into(),
            due: jiff::civil::date(2026, 1, 1),
            removal_method: "m".into(),
        }
    }
}
