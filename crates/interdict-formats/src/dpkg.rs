//! dpkg's database: the `status` file (and distroless `status.d/*` files), in deb822
//! paragraphs, and the `info/<package>.list` file lists.
//!
//! Hand-written over bytes (about a hundred lines) rather than with `deb822-fast`, which
//! requires valid UTF-8: old `status` files contain Latin-1 descriptions, and one bad byte
//! must not hide every package. Text is decoded lossily per field.

/// One paragraph of a dpkg status file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DpkgStatusEntry {
    /// `Package`.
    pub package: String,
    /// `Version` (with epoch, if any).
    pub version: String,
    /// `Architecture`.
    pub architecture: String,
    /// `Maintainer`.
    pub maintainer: String,
    /// `Source` package name, without the version in parentheses.
    pub source: String,
    /// The version in `Source: name (version)`, when given.
    pub source_version: String,
    /// `Status` (`want flag state`), empty when absent (distroless `status.d`).
    pub status: String,
    /// `Multi-Arch`.
    pub multi_arch: String,
    /// First line of `Description`.
    pub description: String,
    /// 1-based line where the paragraph starts.
    pub line: usize,
}

/// What dpkg's `Status` says of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageState {
    /// `installed`, `triggers-awaited`, `triggers-pending`: installed and configured.
    Installed,
    /// `unpacked`, `half-configured`, `half-installed`: files on disk, not (fully)
    /// configured. Still present on the host.
    Partial,
    /// `… config-files`: removed, configuration files left behind.
    ConfigFiles,
    /// `not-installed` or an unknown state: nothing on disk.
    NotInstalled,
}

impl DpkgStatusEntry {
    /// The package's state as dpkg defines it. A paragraph without `Status` (a distroless
    /// `status.d` file) describes an installed package.
    pub fn state(&self) -> PackageState {
        if self.status.is_empty() {
            return PackageState::Installed;
        }
        match self.status.split_whitespace().nth(2) {
            Some("installed" | "triggers-awaited" | "triggers-pending") => PackageState::Installed,
            Some("unpacked" | "half-configured" | "half-installed") => PackageState::Partial,
            Some("config-files") => PackageState::ConfigFiles,
            _ => PackageState::NotInstalled,
        }
    }
}

/// Parses a status file. Paragraphs without `Package` are skipped; continuation lines are
/// folded into their field. Never fails: any bytes give some (possibly empty) list.
pub fn parse_dpkg_status(data: &[u8]) -> Vec<DpkgStatusEntry> {
    let mut out = Vec::new();
    let mut cur = DpkgStatusEntry::default();
    let mut in_para = false;
    let mut field: Option<&'static str> = None;
    for (idx, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) {
            if in_para && !cur.package.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur = DpkgStatusEntry::default();
            in_para = false;
            field = None;
            continue;
        }
        if !in_para {
            in_para = true;
            cur.line = idx + 1;
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // Continuation lines only matter for fields we keep whole; none of ours do.
            let _ = field;
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = String::from_utf8_lossy(value).trim().to_string();
        field = None;
        let name = String::from_utf8_lossy(name);
        match name.to_ascii_lowercase().as_str() {
            "package" => cur.package = value,
            "version" => cur.version = value,
            "architecture" => cur.architecture = value,
            "maintainer" => cur.maintainer = value,
            "status" => cur.status = value,
            "multi-arch" => cur.multi_arch = value,
            "description" => {
                cur.description = value;
                field = Some("description");
            }
            "source" => match value.split_once('(') {
                Some((name, ver)) => {
                    cur.source = name.trim().to_string();
                    cur.source_version = ver.trim_end_matches(')').trim().to_string();
                }
                None => cur.source = value,
            },
            _ => {}
        }
    }
    if in_para && !cur.package.is_empty() {
        out.push(cur);
    }
    out
}

/// Parses an `info/<package>.list` file: one absolute path per line (the last line may
/// lack its newline). Returns paths without the leading `/`, skipping `/.`.
pub fn parse_dpkg_list(data: &[u8]) -> Vec<String> {
    // One (fast) UTF-8 check of the whole file, then one allocation per path; only a file
    // with invalid bytes is decoded lossily.
    let text = match std::str::from_utf8(data) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    };
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).trim_start_matches('/'))
        .filter(|l| !l.is_empty() && *l != ".")
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_dpkg_definitions() {
        let text = b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 2\n\nPackage: c\nStatus: install ok half-installed\n\nPackage: d\nVersion: 3\n\nPackage: e\nStatus: purge ok not-installed\n";
        let e = parse_dpkg_status(text);
        let states: Vec<_> = e.iter().map(|e| e.state()).collect();
        assert_eq!(
            states,
            [
                PackageState::Installed,
                PackageState::ConfigFiles,
                PackageState::Partial,
                PackageState::Installed,
                PackageState::NotInstalled
            ]
        );
        assert_eq!(e[1].line, 5);
    }

    #[test]
    fn garbage_never_panics() {
        for data in [&b"\xff\xfe:\n\n:"[..], b"Package", b":::\n \n\t", b""] {
            let _ = parse_dpkg_status(data);
            let _ = parse_dpkg_list(data);
        }
    }

    #[test]
    fn latin1_bytes_do_not_hide_packages() {
        let e = parse_dpkg_status(b"Package: x\nMaintainer: Ren\xe9 <r@x>\nVersion: 1\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].maintainer.starts_with("Ren"));
    }
}
