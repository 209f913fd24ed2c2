//! osquery output: the JSON array `osqueryi --json` prints, and the osqueryd results log
//! (one JSON object per line: differential rows under `columns` with an `action`, a
//! `snapshot` array, or a batched `diffResults`). The table is taken from the caller,
//! else from the query name of a results-log line, else from the columns of the row.
//!
//! A results log is a history, not a list: it is replayed per host and query in log
//! order (`added` rows in, `removed` rows out, a snapshot replacing the query's rows, a
//! new `epoch` starting the query afresh), so what is imported is each host's last state.
//! Queries over tables that hold no inventory (`os_version`, `schedule`, …) are counted
//! in [`InventoryImport::skipped`], not reported as errors.

mod row;
mod table;

pub use table::OsqueryTable;

use crate::error::SbomError;
use crate::{InventoryImport, text};
use interdict_inventory::Artifact;
use row::{Origin, map_row};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The collector id of artifacts imported from osquery output.
pub const OSQUERY_COLLECTOR: &str = "osquery";

/// Reads osquery output. `host` names the host of `osqueryi` output (which carries
/// none); it defaults to the file stem. Results-log lines use their `hostIdentifier`
/// (else the `hostname` decoration). `table` forces the table; otherwise it is detected
/// per query name or columns. The bytes may be UTF-8 (with or without a BOM) or UTF-16,
/// with any line endings. A row or line that cannot be used becomes an error in the
/// result; reading goes on.
pub fn import_osquery(
    bytes: &[u8],
    file: &str,
    host: Option<&str>,
    table: Option<OsqueryTable>,
) -> Result<InventoryImport, SbomError> {
    let content = decode_lines(bytes, file)?;
    let fallback_host = host.map(str::to_string).unwrap_or_else(|| file_stem(file));
    let mut import = InventoryImport::default();
    match content.trim_start().as_bytes().first() {
        Some(b'[') => {
            let rows: Vec<Value> =
                serde_json::from_str(&content).map_err(|e| SbomError::json(file, &e))?;
            read_array(&rows, file, &fallback_host, table, &mut import);
        }
        Some(b'{') => read_results_log(&content, file, &fallback_host, table, &mut import),
        _ => {
            return Err(SbomError::UnknownFormat {
                file: file.to_string(),
                message:
                    "expected osqueryi --json output (a json array) or an osqueryd results log"
                        .to_string(),
            });
        }
    }
    Ok(import)
}

/// `osqueryi --json` output: every row is current.
fn read_array(
    rows: &[Value],
    file: &str,
    host: &str,
    table: Option<OsqueryTable>,
    import: &mut InventoryImport,
) {
    for (index, row) in rows.iter().enumerate() {
        let place = format!("{file}#[{index}]");
        let origin = Origin {
            file,
            place: &place,
            line: None,
            query: None,
        };
        let row = match row {
            Value::Null => continue,
            Value::Object(row) => row,
            _ => {
                import.errors.push(not_an_object(file, None));
                continue;
            }
        };
        match table.or_else(|| OsqueryTable::from_columns(row)) {
            Some(table) => import.push(map_row(row, table, host, &origin)),
            None => match table::non_inventory_table(None, Some(row)) {
                Some(other) => *import.skipped.entry(other.to_string()).or_default() += 1,
                None => import.errors.push(unknown_table(row, &origin)),
            },
        }
    }
}

fn not_an_object(file: &str, line: Option<usize>) -> SbomError {
    SbomError::InvalidField {
        file: file.to_string(),
        field: "row".to_string(),
        line,
        message: "expected a json object".to_string(),
    }
}

fn unknown_table(row: &Map<String, Value>, origin: &Origin<'_>) -> SbomError {
    let mut columns: Vec<&str> = row.keys().map(String::as_str).collect();
    columns.sort_unstable();
    SbomError::InvalidField {
        file: origin.file.to_string(),
        field: "row".to_string(),
        line: origin.line,
        message: format!(
            "cannot tell which osquery table this row is from (query {:?}, columns: {}); name the table explicitly",
            origin.query.unwrap_or(""),
            columns.join(", ")
        ),
    }
}

/// The rows one query currently has on one host, keyed by their JSON text.
#[derive(Default)]
struct QueryState {
    epoch: Option<u64>,
    rows: HashMap<String, (u64, Artifact)>,
}

/// Replays a results log: the state of every `(host, query)` after the last line.
#[derive(Default)]
struct Replay {
    queries: BTreeMap<(String, String), QueryState>,
    sequence: u64,
}

impl Replay {
    fn state(&mut self, host: &str, query: &str, epoch: Option<u64>) -> &mut QueryState {
        let state = self
            .queries
            .entry((host.to_string(), query.to_string()))
            .or_default();
        // A new epoch means osqueryd lost its previous results: it logs every current row
        // as added again and never logs what went away meanwhile.
        if epoch.is_some() && state.epoch.is_some() && state.epoch != epoch {
            state.rows.clear();
        }
        if epoch.is_some() {
            state.epoch = epoch;
        }
        state
    }

    /// Every artifact still present, in the order its row was (last) added.
    fn finish(self) -> Vec<(String, Artifact)> {
        let mut out: Vec<(u64, String, Artifact)> = Vec::new();
        for ((host, _), state) in self.queries {
            for (_, (seq, artifact)) in state.rows {
                out.push((seq, host.clone(), artifact));
            }
        }
        out.sort_by_key(|(seq, _, _)| *seq);
        out.into_iter().map(|(_, h, a)| (h, a)).collect()
    }
}

/// What one results-log line does to its query's rows.
enum Change<'v> {
    Add(&'v Value),
    Remove(&'v Value),
    Replace,
}

fn array(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(rows)) => rows.iter().collect(),
        _ => Vec::new(),
    }
}

fn changes(entry: &Map<String, Value>) -> Option<Vec<Change<'_>>> {
    let action = entry.get("action").and_then(Value::as_str);
    if let Some(columns) = entry.get("columns").filter(|c| !c.is_null()) {
        Some(vec![if action == Some("removed") {
            Change::Remove(columns)
        } else {
            Change::Add(columns)
        }])
    } else if let Some(snapshot) = entry.get("snapshot").filter(|s| !s.is_null()) {
        let mut out = vec![Change::Replace];
        out.extend(array(Some(snapshot)).into_iter().map(Change::Add));
        Some(out)
    } else if let Some(diff) = entry.get("diffResults").filter(|d| !d.is_null()) {
        let mut out: Vec<Change<'_>> = array(diff.get("removed"))
            .into_iter()
            .map(Change::Remove)
            .collect();
        out.extend(array(diff.get("added")).into_iter().map(Change::Add));
        Some(out)
    } else {
        None
    }
}

fn read_results_log(
    content: &str,
    file: &str,
    fallback_host: &str,
    forced: Option<OsqueryTable>,
    import: &mut InventoryImport,
) {
    let mut replay = Replay::default();
    for (index, line) in content.split('\n').enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Map<String, Value> = match serde_json::from_str(line) {
            Ok(entry) => entry,
            Err(e) => {
                import.errors.push(SbomError::InvalidJson {
                    file: file.to_string(),
                    line: line_number,
                    column: e.column(),
                    message: strip_position(&e.to_string()),
                });
                continue;
            }
        };
        let host = entry
            .get("hostIdentifier")
            .and_then(Value::as_str)
            .or_else(|| entry.get("decorations")?.get("hostname")?.as_str())
            .unwrap_or(fallback_host);
        let query = entry.get("name").and_then(Value::as_str);
        let Some(changes) = changes(&entry) else {
            import.errors.push(SbomError::MissingField {
                file: file.to_string(),
                field: "columns".to_string(),
                line: Some(line_number),
            });
            continue;
        };
        let named = forced.or_else(|| query.and_then(OsqueryTable::from_query_name));
        if let Some(query) =
            query.filter(|q| named.is_none() && table::non_inventory_table(Some(q), None).is_some())
        {
            let rows = changes
                .iter()
                .filter(|c| !matches!(c, Change::Replace))
                .count();
            *import.skipped.entry(query.to_string()).or_default() += rows;
            continue;
        }
        let epoch = entry.get("epoch").and_then(Value::as_u64);
        let place = format!("{file}:{line_number}");
        let origin = Origin {
            file,
            place: &place,
            line: Some(line_number),
            query,
        };
        let state_key = query.unwrap_or_default();
        for change in changes {
            let (row, added) = match change {
                Change::Replace => {
                    replay.state(host, state_key, epoch).rows.clear();
                    continue;
                }
                Change::Add(row) => (row, true),
                Change::Remove(row) => (row, false),
            };
            let row = match row {
                Value::Null => continue,
                Value::Object(row) => row,
                _ => {
                    import.errors.push(not_an_object(file, Some(line_number)));
                    continue;
                }
            };
            let Some(table) = named.or_else(|| OsqueryTable::from_columns(row)) else {
                // A query over a table that holds no inventory: counted, not an error.
                let key = query
                    .or_else(|| table::non_inventory_table(None, Some(row)))
                    .map(str::to_string)
                    .unwrap_or_else(|| "(unnamed query)".to_string());
                *import.skipped.entry(key).or_default() += 1;
                continue;
            };
            let key = Value::Object(row.clone()).to_string();
            let state = replay.state(host, state_key, epoch);
            if !added {
                state.rows.remove(&key);
                continue;
            }
            match map_row(row, table, host, &origin) {
                Ok((_, artifact)) => {
                    replay.sequence += 1;
                    let seq = replay.sequence;
                    replay
                        .state(host, state_key, epoch)
                        .rows
                        .insert(key, (seq, artifact));
                }
                Err(e) => import.errors.push(e),
            }
        }
    }
    import.artifacts.extend(replay.finish());
}

fn strip_position(message: &str) -> String {
    let message = message
        .rfind(" at line ")
        .map_or(message, |pos| &message[..pos]);
    message.to_lowercase()
}

/// An export's text: decoded from UTF-8 (BOM or not) or UTF-16, line ends made LF.
pub(crate) fn decode_lines<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, str>, SbomError> {
    let decoded = text::decode(bytes).map_err(|e| SbomError::UnknownFormat {
        file: file.to_string(),
        message: format!("not text: {e}"),
    })?;
    Ok(match decoded {
        Cow::Borrowed(text) => text::normalize_newlines(text),
        Cow::Owned(text) => match text::normalize_newlines(&text) {
            Cow::Borrowed(_) => Cow::Owned(text),
            Cow::Owned(normalized) => Cow::Owned(normalized),
        },
    })
}

/// The file name without directories and without its last extension.
pub(crate) fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => base.to_string(),
    }
}
