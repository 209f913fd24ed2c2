//! `interdict plan` (a host's removal plan from saved reports or the fleet server) and
//! `interdict policy export` (a directive's prevention policy).

use crate::cli::{PlanArgs, PlanFormatArg, PolicyCommand, PolicyFormatArg};
use crate::{load_catalog, write_stdout};
use anyhow::{Context, Result, bail};
use interdict_findings::Report;
use interdict_remediation::policy::{self, PolicyFormat};
use interdict_remediation::{HostPlan, PlanFormat};
use std::process::ExitCode;

fn plan_format(f: PlanFormatArg) -> PlanFormat {
    match f {
        PlanFormatArg::Text => PlanFormat::Text,
        PlanFormatArg::Json => PlanFormat::Json,
        PlanFormatArg::Sh => PlanFormat::Sh,
        PlanFormatArg::Ps1 => PlanFormat::Ps1,
    }
}

/// The name of a format as the API takes it.
fn plan_format_name(f: PlanFormatArg) -> &'static str {
    match f {
        PlanFormatArg::Text => "text",
        PlanFormatArg::Json => "json",
        PlanFormatArg::Sh => "sh",
        PlanFormatArg::Ps1 => "ps1",
    }
}

/// Runs `interdict plan`.
pub fn run_plan(args: PlanArgs) -> Result<ExitCode> {
    if args.from.is_empty() {
        return plan_from_server(&args);
    }
    let catalog = load_catalog(args.catalog.as_ref())?;
    let mut plans: Vec<HostPlan> = Vec::new();
    for file in &args.from {
        let name = file.display().to_string();
        let bytes = std::fs::read(file).with_context(|| format!("{name}: cannot read"))?;
        let report = Report::from_json(&bytes, &name)?;
        plans.extend(interdict_remediation::build_all(&catalog, &report));
    }
    if let Some(host) = &args.host {
        plans.retain(|p| &p.host_id == host || &p.host_name == host);
        if plans.is_empty() {
            bail!("no host `{host}` in the reports given");
        }
    }
    let text = interdict_remediation::render(&plans, plan_format(args.format))?;
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `--host ID` alone: the plan the fleet server builds from the host's latest report.
fn plan_from_server(args: &PlanArgs) -> Result<ExitCode> {
    let (Some(host), Some(server)) = (&args.host, &args.server) else {
        bail!("--host without --from asks the fleet server: give --server URL and --token T");
    };
    let Some(token) = &args.token else {
        bail!("--server needs an API token (--token or INTERDICT_TOKEN)");
    };
    let client = interdict_agent::client::Client::new(server, args.ca_file.as_deref())?;
    let path = format!(
        "/api/v1/hosts/{}/plan?format={}",
        form_encode(host),
        plan_format_name(args.format)
    );
    let (status, body) = client.get(&path, token)?;
    if status != 200 {
        bail!("{server}: HTTP {status}: {}", body.trim());
    }
    write_stdout(&body)?;
    Ok(ExitCode::SUCCESS)
}

/// Percent-encodes a path segment.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Runs `interdict policy …`.
pub fn run_policy(cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Export {
            directive,
            format,
            catalog,
        } => {
            let catalog = load_catalog(catalog.as_ref())?;
            let format = match format {
                PolicyFormatArg::Applocker => PolicyFormat::Applocker,
                PolicyFormatArg::Wdac => PolicyFormat::Wdac,
                PolicyFormatArg::Apt => PolicyFormat::Apt,
                PolicyFormatArg::Dnf => PolicyFormat::Dnf,
                PolicyFormatArg::Hosts => PolicyFormat::Hosts,
                PolicyFormatArg::Rpz => PolicyFormat::Rpz,
                PolicyFormatArg::Osquery => PolicyFormat::Osquery,
                PolicyFormatArg::Yara => PolicyFormat::Yara,
                PolicyFormatArg::Santa => PolicyFormat::Santa,
            };
            let text = policy::export(&catalog, &directive, format, jiff::Timestamp::now())?;
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
