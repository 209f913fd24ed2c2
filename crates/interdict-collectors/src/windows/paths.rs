//! Windows path strings (registry values) to root-relative paths.

/// Environment variables with a fixed meaning on the system drive.
const VARIABLES: [(&str, &str); 8] = [
    ("%systemroot%", r"C:\Windows"),
    ("%windir%", r"C:\Windows"),
    ("%programfiles%", r"C:\Program Files"),
    ("%programfiles(x86)%", r"C:\Program Files (x86)"),
    ("%programw6432%", r"C:\Program Files"),
    ("%programdata%", r"C:\ProgramData"),
    ("%allusersprofile%", r"C:\ProgramData"),
    ("%systemdrive%", "C:"),
];

/// Converts a Windows path or command line from the registry (an `ImagePath`, an
/// `InstallLocation`) into a `/`-separated path relative to the scanned root.
///
/// Handles quoted command lines with arguments, unquoted ones ending in `.exe`/`.sys`/`.dll`
/// followed by arguments, drive letters, `\??\`, `\SystemRoot\`, `%SystemRoot%`-style
/// variables, and paths relative to the Windows folder (`System32\drivers\x.sys`). Returns
/// `None` for UNC paths, unknown variables and empty input.
pub fn windows_path_to_rel(raw: &str) -> Option<String> {
    let s = raw.trim();
    let path = match s.strip_prefix('"') {
        Some(rest) => rest.split('"').next().unwrap_or(rest),
        None => cut_arguments(s),
    };
    let mut p = path.trim().to_string();
    if p.is_empty() {
        return None;
    }
    for prefix in [r"\??\", r"\\?\"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest.to_string();
        }
    }
    if p.starts_with(r"\\") {
        return None;
    }
    if p.starts_with('%') {
        let lower = p.to_ascii_lowercase();
        let (var, value) = VARIABLES.iter().find(|(var, _)| lower.starts_with(var))?;
        p = format!("{value}{}", p.get(var.len()..).unwrap_or_default());
    }
    if p.get(..12)
        .is_some_and(|h| h.eq_ignore_ascii_case(r"\SystemRoot\"))
    {
        p = format!(r"\Windows\{}", p.get(12..).unwrap_or_default());
    }
    let rel = if matches!(p.as_bytes(), [d, b':', ..] if d.is_ascii_alphabetic()) {
        p.get(2..).unwrap_or_default().to_string()
    } else if p.starts_with('\\') || p.starts_with('/') {
        p
    } else {
        // A relative path in the registry is relative to the Windows folder.
        format!(r"Windows\{p}")
    };
    if rel.contains('%') {
        return None;
    }
    let out = rel
        .split(['\\', '/'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/");
    (!out.is_empty()).then_some(out)
}

/// The executable part of an unquoted command line: up to the first `.exe`, `.sys` or
/// `.dll` followed by a space, or the whole line.
fn cut_arguments(s: &str) -> &str {
    let lower = s.to_ascii_lowercase();
    [".exe ", ".sys ", ".dll "]
        .iter()
        .filter_map(|ext| lower.find(ext).map(|i| i.saturating_add(4)))
        .min()
        .and_then(|end| s.get(..end))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::windows_path_to_rel as conv;

    #[test]
    fn converts_the_usual_forms() {
        let c = |s: &str| conv(s);
        assert_eq!(
            c(r#""C:\Program Files (x86)\Kaspersky Lab\KES.11.11.0\avp.exe" -r"#).as_deref(),
            Some("Program Files (x86)/Kaspersky Lab/KES.11.11.0/avp.exe")
        );
        assert_eq!(
            c(r"system32\DRIVERS\klif.sys").as_deref(),
            Some("Windows/system32/DRIVERS/klif.sys")
        );
        assert_eq!(
            c(r"\SystemRoot\System32\drivers\x.sys").as_deref(),
            Some("Windows/System32/drivers/x.sys")
        );
        assert_eq!(c(r"\??\C:\Windows\x.sys").as_deref(), Some("Windows/x.sys"));
        assert_eq!(
            c(r"%SystemRoot%\system32\svchost.exe -k netsvcs").as_deref(),
            Some("Windows/system32/svchost.exe")
        );
        assert_eq!(
            c(r"C:\Program Files\Foo\").as_deref(),
            Some("Program Files/Foo")
        );
        assert_eq!(
            c(r"C:\Users\tony\AppData\Local\Zoom").as_deref(),
            Some("Users/tony/AppData/Local/Zoom")
        );
        assert_eq!(c(r"\\server\share\x.exe"), None);
        assert_eq!(c(r"%LOCALAPPDATA%\x"), None);
        assert_eq!(c("  "), None);
        assert_eq!(c("C:"), None);
    }
}
