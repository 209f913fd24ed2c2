//! An osquery pack whose scheduled queries find the covered products; its results log
//! goes back through `interdict import --from osquery` (each query is named for its table and
//! selects the columns the importer recognises).

use super::{Covered, PolicyError, PolicyFormat};
use interdict_catalog::{Indicator, IndicatorKind, MatchMode};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One osquery table a kind of indicator is looked up in.
struct Table {
    kind: IndicatorKind,
    platform: &'static str,
    osquery_platform: &'static str,
    table: &'static str,
    column: &'static str,
    columns: &'static str,
}

const TABLES: &[Table] = &[
    Table {
        kind: IndicatorKind::Package,
        platform: "linux",
        osquery_platform: "linux",
        table: "deb_packages",
        column: "name",
        columns: "name, version, maintainer, status, arch",
    },
    Table {
        kind: IndicatorKind::Package,
        platform: "linux",
        osquery_platform: "linux",
        table: "rpm_packages",
        column: "name",
        columns: "name, version, release, vendor, arch",
    },
    Table {
        kind: IndicatorKind::Package,
        platform: "windows",
        osquery_platform: "windows",
        table: "programs",
        column: "name",
        columns: "name, version, publisher, install_location, uninstall_string, identifying_number",
    },
    Table {
        kind: IndicatorKind::Service,
        platform: "windows",
        osquery_platform: "windows",
        table: "services",
        column: "name",
        columns: "name, display_name, service_type, start_type, status, path",
    },
    Table {
        kind: IndicatorKind::Service,
        platform: "linux",
        osquery_platform: "linux",
        table: "systemd_units",
        column: "id",
        columns: "id, description, load_state, active_state, fragment_path",
    },
    Table {
        kind: IndicatorKind::Service,
        platform: "macos",
        osquery_platform: "darwin",
        table: "launchd",
        column: "label",
        columns: "label, program, program_arguments, path",
    },
    Table {
        kind: IndicatorKind::BundleId,
        platform: "macos",
        osquery_platform: "darwin",
        table: "apps",
        column: "bundle_identifier",
        columns: "name, bundle_identifier, bundle_version, path",
    },
    Table {
        kind: IndicatorKind::KernelModule,
        platform: "linux",
        osquery_platform: "linux",
        table: "kernel_modules",
        column: "name",
        columns: "name, size, used_by, status, address",
    },
];

/// `s` as an SQL string literal.
fn sql(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A LIKE pattern for literal `s` (`\` escapes `%` and `_`).
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The SQL condition an indicator puts on `column`.
fn condition(i: &Indicator, column: &str, case_sensitive: bool) -> Option<String> {
    let nocase = if case_sensitive {
        ""
    } else {
        " COLLATE NOCASE"
    };
    Some(match i.mode {
        MatchMode::Exact => format!("{column} = {}{nocase}", sql(&i.pattern)),
        MatchMode::Prefix => format!(
            "{column} LIKE {} ESCAPE '\\'",
            sql(&format!("{}%", like_literal(&i.pattern)))
        ),
        MatchMode::Glob => {
            let like: String = i
                .pattern
                .split('*')
                .map(|part| like_literal(part).replace('?', "_"))
                .collect::<Vec<_>>()
                .join("%");
            if i.pattern.contains('[') {
                return None;
            }
            format!("{column} LIKE {} ESCAPE '\\'", sql(&like))
        }
        MatchMode::Regex => {
            let flags = if case_sensitive { "" } else { "(?i)" };
            format!(
                "regex_match({column}, {}, 0) IS NOT NULL",
                sql(&format!("{flags}{}", i.pattern))
            )
        }
    })
}

/// The pack as JSON.
pub(super) fn pack(c: &Covered) -> Result<String, PolicyError> {
    let mut queries: BTreeMap<String, Value> = BTreeMap::new();
    for p in &c.products {
        for t in TABLES {
            // The product's own indicators (not a pass over every product's per table).
            let mut conditions: Vec<String> = p
                .indicators
                .iter()
                .filter(|i| i.kind == t.kind && i.is_active() && !i.leftover)
                .filter(|i| i.platforms.iter().any(|x| x == t.platform))
                .filter_map(|i| condition(i, t.column, t.platform == "linux"))
                .collect();
            conditions.sort();
            conditions.dedup();
            if conditions.is_empty() {
                continue;
            }
            let name = format!("{}__{}", t.table, p.id.replace(['-', '.'], "_"));
            queries.insert(
                name,
                json!({
                    "query": format!(
                        "SELECT {} FROM {} WHERE {};",
                        t.columns,
                        t.table,
                        conditions.join(" OR ")
                    ),
                    "interval": 3600,
                    "platform": t.osquery_platform,
                    "removed": false,
                    "description": format!(
                        "{} ({}), banned by {}",
                        super::one_line(&p.name),
                        p.id,
                        c.directive.id
                    ),
                    "value": "import the results log with: interdict import --from osquery FILE",
                }),
            );
        }
    }
    let mut doc = Map::new();
    doc.insert("interdict".into(), json!(c.banner(PolicyFormat::Osquery)));
    doc.insert(
        "queries".into(),
        Value::Object(queries.into_iter().collect()),
    );
    Ok(serde_json::to_string_pretty(&Value::Object(doc))? + "\n")
}
