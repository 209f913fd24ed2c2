//! SysV init scripts: the LSB comment header (`### BEGIN INIT INFO` … `### END INIT INFO`).
//!
//! Only the header is read; the script itself is never interpreted.

/// The LSB facts of an init script. Fields are empty when the script has no header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LsbHeader {
    /// `# Provides:` facility names.
    pub provides: Vec<String>,
    /// `# Short-Description:`.
    pub short_description: String,
    /// `# Description:` (first line).
    pub description: String,
    /// `# Default-Start:` runlevels.
    pub default_start: Vec<String>,
    /// `# Required-Start:` facilities.
    pub required_start: Vec<String>,
}

/// Most bytes of a script searched for the header.
pub const HEADER_SCAN: usize = 64 * 1024;

/// Reads the LSB header from the start of a script (the first [`HEADER_SCAN`] bytes).
/// Never fails: a script without a header gives an empty [`LsbHeader`].
pub fn parse_lsb_header(data: &[u8]) -> LsbHeader {
    let head = data.get(..HEADER_SCAN).unwrap_or(data);
    let text = String::from_utf8_lossy(head);
    let mut h = LsbHeader::default();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("### BEGIN INIT INFO") {
            inside = true;
            continue;
        }
        if line.starts_with("### END INIT INFO") {
            break;
        }
        if !inside {
            continue;
        }
        let Some(body) = line.strip_prefix('#') else {
            continue;
        };
        let Some((key, value)) = body.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let words = || {
            value
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "provides" => h.provides = words(),
            "short-description" => h.short_description = value.to_string(),
            "description" => h.description = value.to_string(),
            "default-start" => h.default_start = words(),
            "required-start" => h.required_start = words(),
            _ => {}
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lsb_block_only() {
        let s = b"#!/bin/sh\n# Provides: fake\n### BEGIN INIT INFO\n# Provides:          kesl klnagent\n\
# Required-Start:    $remote_fs $syslog\n# Default-Start:     2 3 4 5\n\
# Short-Description: Kaspersky Endpoint Security\n### END INIT INFO\n# Description: after\n";
        let h = parse_lsb_header(s);
        assert_eq!(h.provides, vec!["kesl", "klnagent"]);
        assert_eq!(h.short_description, "Kaspersky Endpoint Security");
        assert_eq!(h.default_start, vec!["2", "3", "4", "5"]);
        assert_eq!(h.description, "");
        assert_eq!(parse_lsb_header(b"\xff\xfe\x00"), LsbHeader::default());
    }
}
