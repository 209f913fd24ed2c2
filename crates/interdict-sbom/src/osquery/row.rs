//! One osquery row → one artifact, per table.

use super::OSQUERY_COLLECTOR;
use super::table::OsqueryTable;
use crate::error::SbomError;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A column as text: strings as they are, numbers and booleans formatted (results logs
/// written with `numerics` true), `null` and anything else absent.
fn column<'r>(row: &'r Map<String, Value>, name: &str) -> Option<Cow<'r, str>> {
    match row.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.trim())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// Where a row came from, for locations and messages.
pub(crate) struct Origin<'a> {
    /// The file name given by the caller.
    pub file: &'a str,
    /// `file#[index]` or `file:line`.
    pub place: &'a str,
    /// 1-based line of a results log.
    pub line: Option<usize>,
    /// The scheduled query's name.
    pub query: Option<&'a str>,
}

/// The primary name of a certificate: its subject distinguished name. osquery on Windows
/// fills `subject` with the attribute values only (`CertNameToStr` with
/// `CERT_SIMPLE_NAME_STR`, e.g. `com, microsoft, Microsoft Root Certificate Authority`)
/// and, from 5.23.1 on, `subject2` with the full `CN=…, O=…` form. `subject2` wins; a
/// value-only subject keeps the one attribute that can be named — the common name — as
/// `CN=<common name>`.
fn certificate_subject(row: &Map<String, Value>) -> Option<String> {
    if let Some(dn) = column(row, "subject2") {
        return Some(dn.into_owned());
    }
    let subject = column(row, "subject");
    match subject {
        Some(s) if s.contains('=') => Some(s.into_owned()),
        Some(values) => {
            let values = split_values(&values);
            let common_name = column(row, "common_name")
                .map(Cow::into_owned)
                .filter(|cn| values.iter().any(|v| v == cn))
                // Windows lists the relative names in encoding order: the CN comes last.
                .or_else(|| values.last().cloned())?;
            Some(format!("CN={common_name}"))
        }
        None => column(row, "common_name").map(|cn| format!("CN={cn}")),
    }
}

/// Splits a `CERT_SIMPLE_NAME_STR` value list: `, ` or ` + ` between values, values with
/// a separator in them in double quotes (a doubled quote inside stands for one).
fn split_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            ',' | '+' if !quoted => {
                values.push(current.trim().to_string());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    values.push(current.trim().to_string());
    values.retain(|v| !v.is_empty());
    values
}

/// Maps one row of `table` to an artifact of `host`.
pub(crate) fn map_row(
    row: &Map<String, Value>,
    table: OsqueryTable,
    host: &str,
    origin: &Origin<'_>,
) -> Result<(String, Artifact), SbomError> {
    let name = match table {
        OsqueryTable::Apps => column(row, "bundle_identifier")
            .or_else(|| column(row, "bundle_name"))
            .or_else(|| column(row, "name"))
            .map(Cow::into_owned),
        OsqueryTable::ChromeExtensions => column(row, "identifier")
            .or_else(|| column(row, "referenced_identifier"))
            .map(Cow::into_owned),
        OsqueryTable::FirefoxAddons => column(row, "identifier").map(Cow::into_owned),
        OsqueryTable::Certificates => certificate_subject(row),
        OsqueryTable::SystemdUnits => column(row, "id").map(Cow::into_owned),
        OsqueryTable::Launchd => column(row, "label")
            .map(Cow::into_owned)
            .or_else(|| column(row, "name").map(|n| n.trim_end_matches(".plist").to_string())),
        _ => column(row, "name").map(Cow::into_owned),
    };
    let name_column = match table {
        OsqueryTable::Apps => "bundle_identifier",
        OsqueryTable::ChromeExtensions | OsqueryTable::FirefoxAddons => "identifier",
        OsqueryTable::Certificates => "subject",
        OsqueryTable::SystemdUnits => "id",
        OsqueryTable::Launchd => "label",
        _ => "name",
    };
    let name = name.ok_or_else(|| SbomError::MissingField {
        file: origin.file.to_string(),
        field: format!("{}.{name_column}", table.as_str()),
        line: origin.line,
    })?;
    let location = format!("{}#{}", origin.place, table.as_str());
    let text = |name: &str| column(row, name).map(Cow::into_owned).unwrap_or_default();
    let artifact = Artifact::new(ArtifactKind::Package, name, location, OSQUERY_COLLECTOR)
        .with_attr("osquery-table", table.as_str());
    let mut artifact = fill(artifact, table, &text);
    if let Some(query) = origin.query {
        artifact = artifact.with_attr("osquery-query", query);
    }
    Ok((host.to_string(), artifact))
}

/// The table-specific kind, state, version, publisher, paths and attributes.
fn fill(mut a: Artifact, table: OsqueryTable, text: &dyn Fn(&str) -> String) -> Artifact {
    match table {
        OsqueryTable::Programs => a
            .with_version(text("version"))
            .with_publisher(text("publisher"))
            .with_path(text("install_location"))
            .with_attr("identifying-number", text("identifying_number"))
            .with_attr("install-date", text("install_date"))
            .with_attr("uninstall-string", text("uninstall_string")),
        OsqueryTable::DebPackages => {
            let status = text("status");
            if status.ends_with("config-files") || status.ends_with("not-installed") {
                a = a.with_state(ArtifactState::Leftover);
            }
            a.with_version(text("version"))
                .with_publisher(text("maintainer"))
                .with_attr("arch", text("arch"))
                .with_attr("source", text("source"))
                .with_attr("status", status)
                .with_attr("package-manager", "dpkg")
        }
        OsqueryTable::RpmPackages => a
            .with_version(text("version"))
            .with_publisher(text("vendor"))
            .with_attr("release", text("release"))
            .with_attr("epoch", text("epoch"))
            .with_attr("arch", text("arch"))
            .with_attr("package-manager", "rpm"),
        OsqueryTable::Apps => {
            a.kind = ArtifactKind::Bundle;
            a.with_version(text("bundle_short_version"))
                .with_path(text("path"))
                .with_attr("bundle-name", text("bundle_name"))
                .with_attr("display-name", text("display_name"))
                .with_attr("bundle-version", text("bundle_version"))
                .with_attr("copyright", text("copyright"))
        }
        OsqueryTable::ChromeExtensions => {
            a.kind = ArtifactKind::Extension;
            let state = text("state");
            if state == "0" {
                a = a.with_state(ArtifactState::Disabled);
            }
            a.with_version(text("version"))
                .with_publisher(text("author"))
                .with_path(text("path"))
                .with_attr("display-name", text("name"))
                .with_attr("browser", text("browser_type"))
                .with_attr("profile-path", text("profile_path"))
                .with_attr("update-url", text("update_url"))
                .with_attr("state", state)
        }
        OsqueryTable::FirefoxAddons => {
            a.kind = ArtifactKind::Extension;
            if text("disabled") == "1" || text("active") == "0" {
                a = a.with_state(ArtifactState::Disabled);
            }
            a.with_version(text("version"))
                .with_publisher(text("creator"))
                .with_path(text("path"))
                .with_attr("display-name", text("name"))
                .with_attr("browser", "firefox")
        }
        OsqueryTable::Services => {
            let service_type = text("service_type");
            a.kind = if service_type.contains("KERNEL_DRIVER")
                || service_type.contains("FILE_SYSTEM_DRIVER")
            {
                ArtifactKind::Driver
            } else {
                ArtifactKind::Service
            };
            let start_type = text("start_type");
            if start_type.eq_ignore_ascii_case("DISABLED") {
                a = a.with_state(ArtifactState::Disabled);
            }
            a.with_path(text("path"))
                .with_path(text("module_path"))
                .with_attr("display-name", text("display_name"))
                .with_attr("service-type", service_type)
                .with_attr("start-type", start_type)
                .with_attr("status", text("status"))
                .with_attr("description", text("description"))
        }
        OsqueryTable::KernelModules => {
            a.kind = ArtifactKind::KernelModule;
            a.with_attr("status", text("status"))
                .with_attr("size", text("size"))
                .with_attr("used-by", text("used_by"))
        }
        OsqueryTable::Certificates => {
            a.kind = ArtifactKind::Certificate;
            let issuer = Some(text("issuer2"))
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| text("issuer"));
            a.with_path(text("path"))
                .with_attr("common-name", text("common_name"))
                .with_attr("subject", text("subject"))
                .with_attr("issuer", issuer)
                .with_attr("ca", text("ca"))
                .with_attr("serial", text("serial"))
                .with_attr("sha1", text("sha1"))
                .with_attr("store", text("store"))
                .with_attr("not-valid-after", text("not_valid_after"))
        }
        OsqueryTable::Processes => {
            a.kind = ArtifactKind::Process;
            let exe = text("path");
            a.with_path(exe.clone())
                .with_attr("exe", exe)
                .with_attr("pid", text("pid"))
                .with_attr("cmdline", text("cmdline"))
                .with_attr("uid", text("uid"))
        }
        OsqueryTable::SystemdUnits => {
            a.kind = ArtifactKind::Service;
            let load_state = text("load_state");
            let file_state = text("unit_file_state");
            let active = text("active_state");
            if load_state == "not-found" {
                a = a.with_state(ArtifactState::Leftover);
            } else if file_state == "masked" || (file_state == "disabled" && active != "active") {
                a = a.with_state(ArtifactState::Disabled);
            }
            a.with_path(text("fragment_path"))
                .with_attr("description", text("description"))
                .with_attr("load-state", load_state)
                .with_attr("active-state", active)
                .with_attr("sub-state", text("sub_state"))
                .with_attr("unit-file-state", file_state)
                .with_attr("init", "systemd")
        }
        OsqueryTable::Launchd => {
            a.kind = ArtifactKind::Service;
            let disabled = text("disabled");
            if disabled == "1" || disabled.eq_ignore_ascii_case("true") {
                a = a.with_state(ArtifactState::Disabled);
            }
            // `program_arguments` is joined with spaces by osquery: a path with a space
            // in it cannot be told from its arguments, so it is kept whole.
            let program = text("program");
            a.with_path(text("path"))
                .with_path(program.clone())
                .with_attr("program", program)
                .with_attr("program-arguments", text("program_arguments"))
                .with_attr("run-at-load", text("run_at_load"))
                .with_attr("init", "launchd")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_only_subjects_are_split() {
        assert_eq!(
            split_values("com, microsoft, Microsoft Root Certificate Authority"),
            ["com", "microsoft", "Microsoft Root Certificate Authority"]
        );
        assert_eq!(
            split_values(r#"RU, "Moscow, Leningradskoe sh. 39A", AO Kaspersky Lab + x"#),
            [
                "RU",
                "Moscow, Leningradskoe sh. 39A",
                "AO Kaspersky Lab",
                "x"
            ]
        );
        assert!(split_values("").is_empty());
    }
}
