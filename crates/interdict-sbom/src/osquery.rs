//! osquery output: the JSON array `osqueryi --json` prints, and the osqueryd results log
//! (one JSON object per line, differential rows under `columns` with an `action`, or a
//! `snapshot` array, or a batched `diffResults`). The table is taken from the caller,
//! else from the query name of a results-log line, else from the columns of the row.

use crate::InventoryImport;
use crate::error::SbomError;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use serde_json::{Map, Value};

/// The collector id of artifacts imported from osquery output.
pub const OSQUERY_COLLECTOR: &str = "osquery";

/// The osquery tables this importer maps to artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsqueryTable {
    /// `programs` (Windows uninstall entries) → packages.
    Programs,
    /// `deb_packages` → packages (config-files only → leftovers).
    DebPackages,
    /// `rpm_packages` → packages.
    RpmPackages,
    /// `apps` (macOS application bundles) → bundles.
    Apps,
    /// `chrome_extensions` (all Chromium browsers) → extensions.
    ChromeExtensions,
    /// `firefox_addons` → extensions.
    FirefoxAddons,
    /// `services` (Windows) → services, or drivers for kernel and file-system drivers.
    Services,
    /// `kernel_modules` (Linux) → kernel modules.
    KernelModules,
    /// `certificates` → certificates named by subject.
    Certificates,
}

/// Longest names first, so that matching a query name by its parts prefers the most
/// specific table.
const ALL_TABLES: [OsqueryTable; 9] = [
    OsqueryTable::ChromeExtensions,
    OsqueryTable::FirefoxAddons,
    OsqueryTable::KernelModules,
    OsqueryTable::DebPackages,
    OsqueryTable::RpmPackages,
    OsqueryTable::Certificates,
    OsqueryTable::Programs,
    OsqueryTable::Services,
    OsqueryTable::Apps,
];

impl OsqueryTable {
    /// The osquery table name.
    pub fn as_str(self) -> &'static str {
        match self {
            OsqueryTable::Programs => "programs",
            OsqueryTable::DebPackages => "deb_packages",
            OsqueryTable::RpmPackages => "rpm_packages",
            OsqueryTable::Apps => "apps",
            OsqueryTable::ChromeExtensions => "chrome_extensions",
            OsqueryTable::FirefoxAddons => "firefox_addons",
            OsqueryTable::Services => "services",
            OsqueryTable::KernelModules => "kernel_modules",
            OsqueryTable::Certificates => "certificates",
        }
    }

    /// The table of an osquery table name (`programs`, `deb_packages`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        ALL_TABLES
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The table a scheduled query name refers to, when one of its parts (split on
    /// `/`, `:`, `-`, `.` or a space, and `_`-joined runs) is a table name, e.g.
    /// `pack/inventory/deb_packages` or `pack_it_chrome_extensions`.
    fn from_query_name(query: &str) -> Option<Self> {
        let query = query.to_ascii_lowercase();
        ALL_TABLES.into_iter().find(|table| {
            let name = table.as_str();
            query.match_indices(name).any(|(start, _)| {
                let before = query[..start].chars().next_back();
                let after = query[start + name.len()..].chars().next();
                let is_boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
                is_boundary(before) && is_boundary(after)
            })
        })
    }

    /// The table whose distinctive columns a row has.
    fn from_columns(row: &Map<String, Value>) -> Option<Self> {
        let has = |column: &str| row.contains_key(column);
        if has("identifying_number") || (has("install_location") && has("uninstall_string")) {
            Some(OsqueryTable::Programs)
        } else if has("maintainer") && (has("status") || has("admindir") || has("revision")) {
            Some(OsqueryTable::DebPackages)
        } else if has("release") && (has("vendor") || has("package_group")) {
            Some(OsqueryTable::RpmPackages)
        } else if has("bundle_identifier") {
            Some(OsqueryTable::Apps)
        } else if has("identifier")
            && (has("browser_type") || has("profile_path") || has("update_url"))
        {
            Some(OsqueryTable::ChromeExtensions)
        } else if has("identifier") && has("creator") {
            Some(OsqueryTable::FirefoxAddons)
        } else if has("service_type") && has("start_type") {
            Some(OsqueryTable::Services)
        } else if has("used_by") && has("address") {
            Some(OsqueryTable::KernelModules)
        } else if has("common_name") && has("issuer") {
            Some(OsqueryTable::Certificates)
        } else {
            None
        }
    }
}

/// Reads osquery output. `host` names the host of `osqueryi` output (which carries
/// none); it defaults to the file stem. Results-log lines use their `hostIdentifier`.
/// `table` forces the table; otherwise it is detected per query name or columns.
/// A row or line that cannot be used becomes an error in the result; reading goes on.
pub fn import_osquery(
    bytes: &[u8],
    file: &str,
    host: Option<&str>,
    table: Option<OsqueryTable>,
) -> Result<InventoryImport, SbomError> {
    let fallback_host = host.map(str::to_string).unwrap_or_else(|| file_stem(file));
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let mut import = InventoryImport::default();
    match start.map(|i| bytes[i]) {
        Some(b'[') => {
            let rows: Vec<Value> =
                serde_json::from_slice(bytes).map_err(|e| SbomError::json(file, &e))?;
            for (index, row) in rows.iter().enumerate() {
                let place = format!("{file}#[{index}]");
                import.push(map_row(
                    row,
                    table,
                    None,
                    &fallback_host,
                    &place,
                    None,
                    file,
                ));
            }
        }
        Some(b'{') => read_results_log(bytes, file, &fallback_host, table, &mut import),
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

fn read_results_log(
    bytes: &[u8],
    file: &str,
    fallback_host: &str,
    table: Option<OsqueryTable>,
    import: &mut InventoryImport,
) {
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_number = index + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entry: Map<String, Value> = match serde_json::from_slice(line) {
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
            .unwrap_or(fallback_host);
        let query = entry.get("name").and_then(Value::as_str);
        let table = table.or_else(|| query.and_then(OsqueryTable::from_query_name));
        let place = format!("{file}:{line_number}");
        let mut rows: Vec<&Value> = Vec::new();
        let action = entry
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or("added");
        if let Some(columns) = entry.get("columns") {
            if action != "removed" {
                rows.push(columns);
            }
        } else if let Some(Value::Array(snapshot)) = entry.get("snapshot") {
            rows.extend(snapshot);
        } else if let Some(Value::Array(added)) =
            entry.get("diffResults").and_then(|d| d.get("added"))
        {
            rows.extend(added);
        } else {
            import.errors.push(SbomError::MissingField {
                file: file.to_string(),
                field: "columns".to_string(),
                line: Some(line_number),
            });
        }
        for row in rows {
            import.push(map_row(
                row,
                table,
                query,
                host,
                &place,
                Some(line_number),
                file,
            ));
        }
    }
}

fn strip_position(message: &str) -> String {
    let message = message
        .rfind(" at line ")
        .map_or(message, |pos| &message[..pos]);
    message.to_lowercase()
}

/// A column as text: strings as they are, numbers and booleans formatted (results logs
/// written with `numerics` true), anything else absent.
fn column<'r>(row: &'r Map<String, Value>, name: &str) -> Option<std::borrow::Cow<'r, str>> {
    match row.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(std::borrow::Cow::Borrowed(s.trim())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

fn map_row(
    row: &Value,
    table: Option<OsqueryTable>,
    query: Option<&str>,
    host: &str,
    place: &str,
    line: Option<usize>,
    file: &str,
) -> Result<(String, Artifact), SbomError> {
    let invalid = |field: &str, message: String| SbomError::InvalidField {
        file: file.to_string(),
        field: field.to_string(),
        line,
        message,
    };
    let Value::Object(row) = row else {
        return Err(invalid("row", "expected a json object".to_string()));
    };
    let table = table.or_else(|| OsqueryTable::from_columns(row)).ok_or_else(|| {
        let mut columns: Vec<&str> = row.keys().map(String::as_str).collect();
        columns.sort_unstable();
        invalid(
            "row",
            format!(
                "cannot tell which osquery table this row is from (query {:?}, columns: {}); name the table explicitly",
                query.unwrap_or(""),
                columns.join(", ")
            ),
        )
    })?;
    let name_column = match table {
        OsqueryTable::Apps => "bundle_identifier",
        OsqueryTable::ChromeExtensions | OsqueryTable::FirefoxAddons => "identifier",
        OsqueryTable::Certificates => "subject",
        _ => "name",
    };
    let name = column(row, name_column)
        .or_else(|| match table {
            OsqueryTable::Certificates => column(row, "common_name"),
            OsqueryTable::Apps => column(row, "bundle_name").or_else(|| column(row, "name")),
            _ => None,
        })
        .ok_or_else(|| SbomError::MissingField {
            file: file.to_string(),
            field: format!("{}.{name_column}", table.as_str()),
            line,
        })?;
    let location = format!("{place}#{}", table.as_str());
    let text = |name: &str| {
        column(row, name)
            .map(|v| v.into_owned())
            .unwrap_or_default()
    };
    let mut artifact = Artifact::new(
        ArtifactKind::Package,
        name.into_owned(),
        location,
        OSQUERY_COLLECTOR,
    )
    .with_attr("osquery-table", table.as_str());
    match table {
        OsqueryTable::Programs => {
            artifact = artifact
                .with_version(text("version"))
                .with_publisher(text("publisher"))
                .with_path(text("install_location"))
                .with_attr("identifying-number", text("identifying_number"))
                .with_attr("install-date", text("install_date"))
                .with_attr("uninstall-string", text("uninstall_string"));
        }
        OsqueryTable::DebPackages => {
            let status = text("status");
            let leftover = status.ends_with("config-files") || status.ends_with("not-installed");
            artifact = artifact
                .with_version(text("version"))
                .with_publisher(text("maintainer"))
                .with_attr("arch", text("arch"))
                .with_attr("source", text("source"))
                .with_attr("status", status)
                .with_attr("package-manager", "dpkg");
            if leftover {
                artifact = artifact.with_state(ArtifactState::Leftover);
            }
        }
        OsqueryTable::RpmPackages => {
            artifact = artifact
                .with_version(text("version"))
                .with_publisher(text("vendor"))
                .with_attr("release", text("release"))
                .with_attr("epoch", text("epoch"))
                .with_attr("arch", text("arch"))
                .with_attr("package-manager", "rpm");
        }
        OsqueryTable::Apps => {
            artifact.kind = ArtifactKind::Bundle;
            artifact = artifact
                .with_version(text("bundle_short_version"))
                .with_path(text("path"))
                .with_attr("bundle-name", text("bundle_name"))
                .with_attr("display-name", text("display_name"))
                .with_attr("bundle-version", text("bundle_version"))
                .with_attr("copyright", text("copyright"));
        }
        OsqueryTable::ChromeExtensions => {
            artifact.kind = ArtifactKind::Extension;
            artifact = artifact
                .with_version(text("version"))
                .with_publisher(text("author"))
                .with_path(text("path"))
                .with_attr("display-name", text("name"))
                .with_attr("browser", text("browser_type"))
                .with_attr("profile-path", text("profile_path"))
                .with_attr("update-url", text("update_url"));
        }
        OsqueryTable::FirefoxAddons => {
            artifact.kind = ArtifactKind::Extension;
            artifact = artifact
                .with_version(text("version"))
                .with_publisher(text("creator"))
                .with_path(text("path"))
                .with_attr("display-name", text("name"))
                .with_attr("browser", "firefox");
            if text("disabled") == "1" || text("active") == "0" {
                artifact = artifact.with_state(ArtifactState::Disabled);
            }
        }
        OsqueryTable::Services => {
            let service_type = text("service_type");
            artifact.kind = if service_type.contains("KERNEL_DRIVER")
                || service_type.contains("FILE_SYSTEM_DRIVER")
            {
                ArtifactKind::Driver
            } else {
                ArtifactKind::Service
            };
            let start_type = text("start_type");
            if start_type.eq_ignore_ascii_case("DISABLED") {
                artifact = artifact.with_state(ArtifactState::Disabled);
            }
            artifact = artifact
                .with_path(text("path"))
                .with_path(text("module_path"))
                .with_attr("display-name", text("display_name"))
                .with_attr("service-type", service_type)
                .with_attr("start-type", start_type)
                .with_attr("status", text("status"))
                .with_attr("description", text("description"));
        }
        OsqueryTable::KernelModules => {
            artifact.kind = ArtifactKind::KernelModule;
            artifact = artifact
                .with_attr("status", text("status"))
                .with_attr("size", text("size"));
        }
        OsqueryTable::Certificates => {
            artifact.kind = ArtifactKind::Certificate;
            artifact = artifact
                .with_path(text("path"))
                .with_attr("common-name", text("common_name"))
                .with_attr("issuer", text("issuer"))
                .with_attr("ca", text("ca"))
                .with_attr("serial", text("serial"))
                .with_attr("sha1", text("sha1"))
                .with_attr("not-valid-after", text("not_valid_after"));
        }
    }
    if let Some(query) = query {
        artifact = artifact.with_attr("osquery-query", query);
    }
    Ok((host.to_string(), artifact))
}

/// The file name without directories and without its last extension.
pub(crate) fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => base.to_string(),
    }
}
