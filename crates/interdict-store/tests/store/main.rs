//! The store's integration suite: every test runs on SQLite and on PostgreSQL.

mod common;

mod audit;
mod catalog_change;
mod concurrency;
mod history;
mod lifecycle;
mod open;
mod replay_inputs;
mod reports;
mod snapshot;
