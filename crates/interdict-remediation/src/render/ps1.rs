//! The plan as a PowerShell script for Windows hosts: `$ErrorActionPreference = 'Stop'`,
//! a transcript and a log line per step, a check before each change, and every value
//! from evidence in single quotes (`'` doubled, as PowerShell also closes a single-quoted
//! string on the typographic quotes ‘ ’ ‚ ‛, those are doubled too).

use super::{comment_safe as c, header};
use crate::plan::{HostPlan, Step, StepDetail};
use std::fmt::Write;

/// `s` as a PowerShell single-quoted string.
pub(crate) fn psq(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        if matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

const PRELUDE: &str = r#"#Requires -RunAsAdministrator
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$LogDir = if ($env:INTERDICT_LOG_DIR) { $env:INTERDICT_LOG_DIR } else { Join-Path $env:ProgramData 'interdict' }
New-Item -ItemType Directory -Force -Path $LogDir | Out-Null
$Log = Join-Path $LogDir 'interdict-removal.log'
Start-Transcript -Path (Join-Path $LogDir 'interdict-removal-transcript.txt') -Append | Out-Null
$Fallback = ''

function Write-Log([string]$Message) {
    $line = '{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $Message
    Write-Host $line
    Add-Content -LiteralPath $Log -Value $line
}

function Test-MsiProduct([string]$Code) {
    foreach ($root in @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
                        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')) {
        if (Test-Path -LiteralPath (Join-Path $root $Code)) { return $true }
    }
    return $false
}

function Invoke-MsiUninstall([string]$Code, [string]$Name, [string[]]$Properties) {
    if (-not (Test-MsiProduct $Code)) {
        Write-Log ('{0} {1}: not installed' -f $Name, $Code)
        return
    }
    $msiArgs = @('/x', $Code, '/qn', '/norestart', '/l*v', (Join-Path $LogDir ('msiexec-{0}.log' -f $Code)))
    foreach ($p in $Properties) {
        $v = [Environment]::GetEnvironmentVariable($p)
        if ($v) {
            $msiArgs += ('{0}="{1}"' -f $p, $v)
            Write-Log ('passing {0} from the environment' -f $p)
        }
    }
    Write-Log ('run: msiexec /x {0} ({1})' -f $Code, $Name)
    $proc = Start-Process -FilePath 'msiexec.exe' -ArgumentList $msiArgs -Wait -PassThru
    # 0 done, 3010/1641 done (reboot needed), 1605 not installed (already gone)
    if (@(0, 1605, 1641, 3010) -notcontains $proc.ExitCode) {
        throw ('msiexec /x {0} failed with exit code {1}' -f $Code, $proc.ExitCode)
    }
    Write-Log ('msiexec /x {0}: exit code {1}' -f $Code, $proc.ExitCode)
}
"#;

/// One host's plan as a script.
pub(super) fn render(plan: &HostPlan) -> String {
    let mut s = String::from("<#\n");
    for line in header(plan) {
        let _ = writeln!(s, "  {}", line.replace("#>", "# >"));
    }
    s += "  Review before running: interdict prints this script and never runs it.\n";
    s += "  Every step checks first, so running it again changes nothing; it stops at the\n";
    s += "  first error and logs to $env:INTERDICT_LOG_DIR (default %ProgramData%\\interdict).\n";
    s += "  Password-protected removal: set KLLOGIN and KLPASSWD (or KLUNINSTPASSWD) first.\n#>\n";
    s += PRELUDE;
    s += "\ntry {\n";
    let _ = writeln!(
        s,
        "    Write-Log {}",
        psq(&format!(
            "removal plan for host {} started",
            c(&plan.host_id)
        ))
    );
    for (n, p) in plan.products.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n    # {}. {} ({}), {}",
            n + 1,
            c(&p.product_name),
            c(&p.product),
            p.confidence
        );
        let fallback = p.steps.iter().find_map(|st| match &st.detail {
            StepDetail::Fallback { tool } => Some(format!("{} ({})", c(&st.description), c(tool))),
            _ => None,
        });
        let _ = writeln!(
            s,
            "    $Fallback = {}",
            psq(fallback.as_deref().unwrap_or(""))
        );
        if let Some(note) = &p.note {
            let _ = writeln!(s, "    # note: {}", c(note));
            let _ = writeln!(
                s,
                "    Write-Log {}",
                psq(&format!("{}: {}", c(&p.product), c(note)))
            );
        }
        for (m, st) in p.steps.iter().enumerate() {
            let _ = writeln!(
                s,
                "\n    # {}.{} [{}] {}\n    # source: {}",
                n + 1,
                m + 1,
                st.kind.as_str(),
                c(&st.description),
                c(&st.source)
            );
            step(&mut s, st);
        }
    }
    s += "\n    $Fallback = ''\n";
    s += "    Write-Log 'removal plan complete: rescan the host with interdict to verify'\n";
    s += "} catch {\n";
    s += "    Write-Log ('FAILED: {0}; stopped at the first error' -f $_)\n";
    s += "    if ($Fallback) { Write-Log ('fallback: {0}' -f $Fallback) }\n";
    s += "    throw\n";
    s += "} finally {\n";
    s += "    Stop-Transcript | Out-Null\n";
    s += "}\n";
    s
}

fn step(s: &mut String, st: &Step) {
    match &st.detail {
        StepDetail::Msiexec {
            product_code,
            display_name,
            properties,
        } => {
            let props: Vec<String> = properties.iter().map(|p| psq(p)).collect();
            let _ = writeln!(
                s,
                "    Invoke-MsiUninstall -Code {} -Name {} -Properties @({})",
                psq(product_code),
                psq(display_name),
                props.join(", ")
            );
        }
        StepDetail::Program { program, args } => {
            let path = psq(&program.replace('/', "\\"));
            let args: Vec<String> = args.iter().map(|a| psq(a)).collect();
            let _ = write!(
                s,
                "    $program = Join-Path $env:SystemDrive {path}\n    if (Test-Path -LiteralPath $program) {{\n        Write-Log ('run: {{0}}' -f $program)\n        $proc = Start-Process -FilePath $program -ArgumentList @({}) -Wait -PassThru\n        if ($proc.ExitCode -ne 0) {{ throw ('{{0}} failed with exit code {{1}}' -f $program, $proc.ExitCode) }}\n    }} else {{\n        Write-Log ('{{0}}: not present' -f $program)\n    }}\n",
                args.join(", ")
            );
        }
        StepDetail::Paths { paths } => {
            for p in paths {
                let _ = write!(
                    s,
                    "    $path = Join-Path $env:SystemDrive {}\n    if (Test-Path -LiteralPath $path) {{\n        Write-Log ('run: Remove-Item {{0}}' -f $path)\n        Remove-Item -LiteralPath $path -Recurse -Force\n    }}\n",
                    psq(&p.replace('/', "\\"))
                );
            }
        }
        StepDetail::Fallback { tool } => {
            let _ = writeln!(
                s,
                "    # (logged if a step of this product fails: {})",
                c(tool)
            );
        }
        StepDetail::Packages { .. } | StepDetail::Launchd { .. } | StepDetail::Receipts { .. } => {
            let _ = writeln!(
                s,
                "    Write-Log 'skipped: a Linux or macOS step on a Windows host'"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::psq;

    #[test]
    fn quotes_are_doubled_including_typographic_ones() {
        assert_eq!(psq("O'Brien"), "'O''Brien'");
        assert_eq!(psq("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(psq("$(Remove-Item C:\\)"), "'$(Remove-Item C:\\)'");
    }
}
