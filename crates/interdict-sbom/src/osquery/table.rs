//! Which osquery table a row comes from: by the name the caller gives, by the scheduled
//! query's name, or by the row's columns. Column names follow osquery's table specs
//! (`specs/*.table` in the osquery repository).

use serde_json::{Map, Value};

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
    /// `chrome_extensions` (all Chromium browsers) → extensions (`state` 0 → disabled).
    ChromeExtensions,
    /// `firefox_addons` → extensions.
    FirefoxAddons,
    /// `services` (Windows) → services, or drivers for kernel and file-system drivers.
    Services,
    /// `kernel_modules` (Linux) → kernel modules.
    KernelModules,
    /// `certificates` → certificates named by subject distinguished name.
    Certificates,
    /// `processes` → processes (name and executable path).
    Processes,
    /// `systemd_units` (Linux) → services named by unit id.
    SystemdUnits,
    /// `launchd` (macOS) → services named by label.
    Launchd,
}

/// Longest names first, so that matching a query name by its parts prefers the most
/// specific table.
const ALL_TABLES: [OsqueryTable; 12] = [
    OsqueryTable::ChromeExtensions,
    OsqueryTable::FirefoxAddons,
    OsqueryTable::KernelModules,
    OsqueryTable::SystemdUnits,
    OsqueryTable::DebPackages,
    OsqueryTable::RpmPackages,
    OsqueryTable::Certificates,
    OsqueryTable::Processes,
    OsqueryTable::Programs,
    OsqueryTable::Services,
    OsqueryTable::Launchd,
    OsqueryTable::Apps,
];

/// Tables that hold no inventory but show up in every results log (fleet monitoring
/// packs), with the columns that identify their rows.
const NON_INVENTORY: &[(&str, &[&str])] = &[
    ("os_version", &["major", "minor", "platform"]),
    ("osquery_schedule", &["query", "interval", "executions"]),
    ("logged_in_users", &["user", "tty", "time"]),
    ("osquery_info", &["instance_id", "config_hash"]),
    ("system_info", &["cpu_brand", "hardware_vendor"]),
    ("uptime", &["total_seconds"]),
];

/// Whether `name` occurs in `query` as a whole part (bounded by non-alphanumerics).
fn contains_part(query: &str, name: &str) -> bool {
    query.match_indices(name).any(|(start, _)| {
        let before = query[..start].chars().next_back();
        let after = query[start + name.len()..].chars().next();
        let is_boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
        is_boundary(before) && is_boundary(after)
    })
}

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
            OsqueryTable::Processes => "processes",
            OsqueryTable::SystemdUnits => "systemd_units",
            OsqueryTable::Launchd => "launchd",
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
    pub(crate) fn from_query_name(query: &str) -> Option<Self> {
        let query = query.to_ascii_lowercase();
        ALL_TABLES
            .into_iter()
            .find(|table| contains_part(&query, table.as_str()))
    }

    /// The table whose distinctive columns a row has. Queries often select only some
    /// columns, so a few combinations are accepted per table.
    pub(crate) fn from_columns(row: &Map<String, Value>) -> Option<Self> {
        let has = |column: &str| row.contains_key(column);
        if has("identifying_number") || (has("install_location") && has("uninstall_string")) {
            Some(OsqueryTable::Programs)
        } else if has("maintainer") && (has("status") || has("admindir") || has("revision")) {
            Some(OsqueryTable::DebPackages)
        } else if has("release") && (has("vendor") || has("package_group")) {
            Some(OsqueryTable::RpmPackages)
        } else if has("bundle_identifier") {
            Some(OsqueryTable::Apps)
        } else if (has("identifier") || has("referenced_identifier"))
            && (has("browser_type") || has("profile_path") || has("update_url"))
        {
            Some(OsqueryTable::ChromeExtensions)
        } else if has("identifier") && has("creator") {
            Some(OsqueryTable::FirefoxAddons)
        } else if has("service_type") && has("start_type") {
            Some(OsqueryTable::Services)
        } else if has("used_by") && has("address") {
            Some(OsqueryTable::KernelModules)
        } else if (has("common_name") && (has("issuer") || has("issuer2"))) || has("subject2") {
            Some(OsqueryTable::Certificates)
        } else if has("id") && (has("load_state") || has("active_state") || has("unit_file_state"))
        {
            Some(OsqueryTable::SystemdUnits)
        } else if has("label") && (has("program") || has("program_arguments")) {
            Some(OsqueryTable::Launchd)
        } else if has("pid") && has("path") && (has("cmdline") || has("parent")) {
            Some(OsqueryTable::Processes)
        } else if has("name") && has("version") && has("publisher") {
            // `SELECT name, version, publisher FROM programs`: only programs has all three.
            Some(OsqueryTable::Programs)
        } else {
            None
        }
    }
}

/// The known non-inventory table a query name or a row's columns point at.
pub(crate) fn non_inventory_table(
    query: Option<&str>,
    row: Option<&Map<String, Value>>,
) -> Option<&'static str> {
    let query = query.map(str::to_ascii_lowercase);
    NON_INVENTORY.iter().find_map(|(table, columns)| {
        let by_name = query.as_deref().is_some_and(|q| contains_part(q, table));
        let by_columns = row.is_some_and(|r| columns.iter().all(|c| r.contains_key(*c)));
        (by_name || by_columns).then_some(*table)
    })
}
