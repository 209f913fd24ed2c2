<#
  interdict removal plan for host  (id machine-guid:b3e1f7a0-22c4-4e9b-8f31-5d6c7e8f9a0b), platform windows
  catalog 2026.12.2; evidence from report <REPORT-ID> (scan finished <SCANNED>)
  Products in removal order: endpoint products before the management agent.
  Review before running: interdict prints this script and never runs it.
  Every step checks first, so running it again changes nothing; it stops at the
  first error and logs to $env:INTERDICT_LOG_DIR (default %ProgramData%\interdict).
  Password-protected removal: set KLLOGIN and KLPASSWD (or KLUNINSTPASSWD) first.
#>
#Requires -RunAsAdministrator
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

try {
    Write-Log 'removal plan for host machine-guid:b3e1f7a0-22c4-4e9b-8f31-5d6c7e8f9a0b started'

    # 1. Kaspersky Endpoint Security for Windows (kes-windows), confirmed
    $Fallback = 'If the uninstaller fails, run kavremover.exe (Kaspersky Products Remover), choose the product, then reboot (kavremover.exe)'

    # 1.1 [msiexec-uninstall] Uninstall with Windows Installer (msiexec /x) using the product code of the Uninstall key found; KLLOGIN/KLPASSWD when removal is password-protected
    # source: support.kaspersky.com/keswin/12.6/en-US/184545.htm; support.kaspersky.com/KESWIN/12.9/ja-JP/299679.htm
    Invoke-MsiUninstall -Code '{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}' -Name 'Kaspersky Endpoint Security for Windows' -Properties @('KLLOGIN', 'KLPASSWD')

    # 1.2 [fallback] If the uninstaller fails, run kavremover.exe (Kaspersky Products Remover), choose the product, then reboot
    # source: SigmaHQ/sigma rules/windows/process_creation/proc_creation_win_kavremover_uncommon_execution.yml (Kaspersky Products Remover)
    # (logged if a step of this product fails: kavremover.exe)

    # 2. Kaspersky Password Manager (kaspersky-password-manager), confirmed
    $Fallback = ''
    # note: the catalog has no removal procedure for windows: remove it by hand, following its evidence
    Write-Log 'kaspersky-password-manager: the catalog has no removal procedure for windows: remove it by hand, following its evidence'

    # 3. Kaspersky Example Utility (kaspersky/kaspersky-example-utility), confirmed
    $Fallback = ''
    # note: not in the catalog: remove it by hand, following its evidence
    Write-Log 'kaspersky/kaspersky-example-utility: not in the catalog: remove it by hand, following its evidence'

    # 4. Kaspersky Security Center Network Agent (Windows) (ksc-network-agent-windows), confirmed
    $Fallback = 'If the uninstaller fails, run kavremover.exe (Kaspersky Products Remover), choose Network Agent, then reboot (kavremover.exe)'

    # 4.1 [msiexec-uninstall] Uninstall the Network Agent with Windows Installer (msiexec /x) using the product code of its Uninstall key; KLUNINSTPASSWD when removal is password-protected
    # source: Kaspersky KSC docs; catalog.md §2.2 (Network Agent silent uninstall with the KLUNINSTPASSWD property, one script)
    Invoke-MsiUninstall -Code '{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}' -Name 'Kaspersky Security Center Network Agent' -Properties @('KLUNINSTPASSWD')

    # 4.2 [fallback] If the uninstaller fails, run kavremover.exe (Kaspersky Products Remover), choose Network Agent, then reboot
    # source: SigmaHQ/sigma rules/windows/process_creation/proc_creation_win_kavremover_uncommon_execution.yml (Kaspersky Products Remover)
    # (logged if a step of this product fails: kavremover.exe)

    $Fallback = ''
    Write-Log 'removal plan complete: rescan the host with interdict to verify'
} catch {
    Write-Log ('FAILED: {0}; stopped at the first error' -f $_)
    if ($Fallback) { Write-Log ('fallback: {0}' -f $Fallback) }
    throw
} finally {
    Stop-Transcript | Out-Null
}
