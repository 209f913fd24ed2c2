//! Rendering a [`HostPlan`]: text for people, JSON for tools, scripts for the host.

mod ps1;
mod sh;
mod text;

use crate::plan::HostPlan;
use interdict_inventory::Platform;

/// The output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    /// Numbered steps with their evidence and sources.
    Text,
    /// The plans as a JSON array.
    Json,
    /// A POSIX `sh` script (Linux and macOS hosts).
    Sh,
    /// A PowerShell script (Windows hosts).
    Ps1,
}

impl PlanFormat {
    /// Every format, by name.
    pub const ALL: [(&'static str, PlanFormat); 4] = [
        ("text", PlanFormat::Text),
        ("json", PlanFormat::Json),
        ("sh", PlanFormat::Sh),
        ("ps1", PlanFormat::Ps1),
    ];

    /// Parses `text`, `json`, `sh` or `ps1`.
    pub fn parse(s: &str) -> Option<PlanFormat> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }
}

/// Why a plan cannot be rendered in the format asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A script format that does not fit the host's platform.
    #[error(
        "host {host}: a {format} script is for {wants} hosts, this one is {platform}; use --format {other}"
    )]
    WrongPlatform {
        /// The host id.
        host: String,
        /// The format asked for.
        format: &'static str,
        /// The platforms the format serves.
        wants: &'static str,
        /// The host's platform.
        platform: &'static str,
        /// The format that fits.
        other: &'static str,
    },
    /// A script covers one host; the input had several.
    #[error("{0} hosts in the input: a script is per host, pick one with --host ID")]
    SeveralHosts(usize),
    /// JSON serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Renders `plans` as `format`. Scripts take exactly one plan.
pub fn render(plans: &[HostPlan], format: PlanFormat) -> Result<String, RenderError> {
    match format {
        PlanFormat::Text => Ok(plans
            .iter()
            .map(text::render)
            .collect::<Vec<_>>()
            .join("\n")),
        PlanFormat::Json => Ok(serde_json::to_string_pretty(plans)? + "\n"),
        PlanFormat::Sh | PlanFormat::Ps1 => {
            let [plan] = plans else {
                return Err(RenderError::SeveralHosts(plans.len()));
            };
            let windows = plan.platform == Platform::Windows;
            let unix = matches!(plan.platform, Platform::Linux | Platform::Macos);
            match format {
                PlanFormat::Sh if unix => Ok(sh::render(plan)),
                PlanFormat::Ps1 if windows => Ok(ps1::render(plan)),
                PlanFormat::Sh => Err(RenderError::WrongPlatform {
                    host: plan.host_id.clone(),
                    format: "sh",
                    wants: "linux and macos",
                    platform: plan.platform.as_str(),
                    other: if windows { "ps1" } else { "text" },
                }),
                _ => Err(RenderError::WrongPlatform {
                    host: plan.host_id.clone(),
                    format: "ps1",
                    wants: "windows",
                    platform: plan.platform.as_str(),
                    other: if unix { "sh" } else { "text" },
                }),
            }
        }
    }
}

/// Text safe for a comment or a log line: control characters become `?`.
pub(crate) fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The header lines every rendering shares (without comment markers).
pub(crate) fn header(plan: &HostPlan) -> Vec<String> {
    vec![
        format!(
            "interdict removal plan for host {} (id {}), platform {}",
            comment_safe(&plan.host_name),
            comment_safe(&plan.host_id),
            plan.platform.as_str()
        ),
        format!(
            "catalog {}; evidence from report {} (scan finished {})",
            comment_safe(&plan.catalog_version),
            comment_safe(&plan.report_id),
            comment_safe(&plan.scanned)
        ),
        "Products in removal order: endpoint products before the management agent.".into(),
    ]
}
