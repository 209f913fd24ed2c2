//! The API suite: the real application on a real socket, talked to over HTTP; every test
//! runs on SQLite and on PostgreSQL (`interdict_store::testing`).

mod support;

mod authz;
mod deliverables;
mod fleet;
mod history;
mod ingest;
mod lifecycle;
mod plan;
