//! systemd unit files: the few keys inventory needs.

/// The parts of a unit file that identify what it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    /// `[Unit] Description=`.
    pub description: String,
    /// `[Service] ExecStart=` (the last assignment wins; an empty one resets).
    pub exec_start: String,
    /// `[Install] WantedBy=` targets.
    pub wanted_by: Vec<String>,
    /// `[Install] Alias=` names.
    pub aliases: Vec<String>,
}

impl UnitFile {
    /// The program `ExecStart` runs, without systemd's prefix characters and arguments.
    pub fn program(&self) -> Option<&str> {
        let s = self
            .exec_start
            .trim_start_matches(['@', '-', ':', '+', '!']);
        s.split_whitespace().next()
    }
}

/// Parses a unit file (INI with `\` line continuations, comments `#`/`;`). Never fails.
pub fn parse_unit_file(data: &[u8]) -> UnitFile {
    let text = String::from_utf8_lossy(data);
    let mut unit = UnitFile::default();
    let mut section = String::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let full = std::mem::take(&mut logical);
        let full = full.trim();
        if full.starts_with('[') && full.ends_with(']') {
            section = full[1..full.len() - 1].to_string();
            continue;
        }
        let Some((key, value)) = full.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match (section.as_str(), key) {
            ("Unit", "Description") => unit.description = value.to_string(),
            ("Service", "ExecStart") => unit.exec_start = value.to_string(),
            ("Install", "WantedBy") => unit
                .wanted_by
                .extend(value.split_whitespace().map(String::from)),
            ("Install", "Alias") => unit
                .aliases
                .extend(value.split_whitespace().map(String::from)),
            _ => {}
        }
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_description_exec_and_install() {
        let u = parse_unit_file(
            b"# c\n[Unit]\nDescription=Kaspersky Endpoint Security\n[Service]\nExecStart=-/opt/kaspersky/kesl/libexec/kesl \\\n  --daemon\n[Install]\nWantedBy=multi-user.target\n",
        );
        assert_eq!(u.description, "Kaspersky Endpoint Security");
        assert_eq!(u.program(), Some("/opt/kaspersky/kesl/libexec/kesl"));
        assert_eq!(u.wanted_by, ["multi-user.target"]);
        let _ = parse_unit_file(b"\xff[\n=\n[]\\");
    }
}
