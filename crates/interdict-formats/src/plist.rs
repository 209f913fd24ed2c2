//! macOS property lists (XML or binary `bplist00`) and the records read from them:
//! bundle `Info.plist`, launchd job definitions and installer receipts.

use crate::FormatError;
use plist::stream::{Event, Reader};
use plist::{Dictionary, Value};
use std::io::Cursor;

/// Largest property list parsed (larger inputs are refused, not truncated).
pub const MAX_PLIST: usize = 64 * 1024 * 1024;

/// Deepest nesting of arrays and dictionaries accepted (real plists nest fewer than 20
/// levels). Deeper input is refused before it is built, so neither building nor dropping
/// the tree can overflow the stack.
pub const MAX_DEPTH: usize = 256;

/// Most values one plist may expand to (every array, dictionary, key and scalar counts),
/// whatever its size. A binary plist refers to objects by index, so one object can be used
/// many times: a few hundred bytes whose every level names the level below twice stand for
/// 2^60 values. Each use of a shared object counts. Below this cap the budget is the
/// input's length plus [`VALUE_ALLOWANCE`]: every value but the root is named by at least
/// one byte of XML or of a binary reference, so only shared arrays and dictionaries (which
/// plist writers do not produce; they share strings and numbers) can exceed it.
pub const MAX_VALUES: usize = 1 << 20;

/// Values allowed beyond one per input byte (see [`MAX_VALUES`]).
pub const VALUE_ALLOWANCE: usize = 1 << 16;

/// Most bytes of strings and data one plist may expand to, counted per use (a shared
/// string used a million times counts a million times).
pub const MAX_EXPANDED_BYTES: usize = MAX_PLIST;

/// Parses an XML, binary or ASCII property list.
///
/// Bounds: input at most [`MAX_PLIST`] bytes, nesting at most [`MAX_DEPTH`] levels, at most
/// `min(input length + VALUE_ALLOWANCE, MAX_VALUES)` values and [`MAX_EXPANDED_BYTES`]
/// bytes of text and data after shared binary objects are expanded. Input beyond any bound is an error, never a hang or a
/// stack overflow.
pub fn parse_plist(bytes: &[u8]) -> Result<Value, FormatError> {
    if bytes.len() > MAX_PLIST {
        return Err(FormatError::Unsupported(format!(
            "plist of {} bytes is too large",
            bytes.len()
        )));
    }
    let run = std::panic::AssertUnwindSafe(|| {
        build_bounded(
            Reader::new(Cursor::new(bytes)),
            bytes.len().saturating_add(VALUE_ALLOWANCE).min(MAX_VALUES),
        )
    });
    match std::panic::catch_unwind(run) {
        Ok(result) => result,
        Err(_) => Err(FormatError::malformed(
            0,
            "plist: parser failed on malformed input",
        )),
    }
}

/// An array or dictionary being built; a dictionary holds the key awaiting its value.
enum Frame {
    Array(Vec<Value>),
    Dict(Dictionary, Option<String>),
}

/// Builds a [`Value`] from the `plist` crate's event stream within the bounds documented
/// on [`parse_plist`], at most `max_values` values. Written here because the crate's own builder (`Value::from_reader`)
/// has no depth or size limits: it expands shared binary objects without bound and its
/// deeply nested result overflows the stack when dropped.
fn build_bounded(
    events: impl Iterator<Item = Result<Event<'static>, plist::Error>>,
    max_values: usize,
) -> Result<Value, FormatError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let (mut values, mut bytes) = (0usize, 0usize);
    for event in events {
        let event = event.map_err(|e| {
            FormatError::malformed(0, format!("plist: {}", e.to_string().to_lowercase()))
        })?;
        if !matches!(event, Event::EndCollection) {
            values += 1;
            if values > max_values {
                return Err(FormatError::malformed(
                    0,
                    format!("plist: more than {max_values} values (shared objects expand too far)"),
                ));
            }
        }
        let done = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(FormatError::malformed(
                        0,
                        format!("plist: nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(match event {
                    Event::StartArray(_) => Frame::Array(Vec::new()),
                    _ => Frame::Dict(Dictionary::new(), None),
                });
                continue;
            }
            Event::EndCollection => match stack.pop() {
                Some(Frame::Array(a)) => Value::Array(a),
                Some(Frame::Dict(d, None)) => Value::Dictionary(d),
                Some(Frame::Dict(_, Some(key))) => {
                    return Err(FormatError::malformed(
                        0,
                        format!("plist: dictionary key `{key}` has no value"),
                    ));
                }
                None => return Err(FormatError::malformed(0, "plist: unbalanced end")),
            },
            Event::String(s) => {
                bytes += s.len();
                Value::String(s.into_owned())
            }
            Event::Data(d) => {
                bytes += d.len();
                Value::Data(d.into_owned())
            }
            Event::Boolean(b) => Value::Boolean(b),
            Event::Date(d) => Value::Date(d),
            Event::Integer(i) => Value::Integer(i),
            Event::Real(r) => Value::Real(r),
            Event::Uid(u) => Value::Uid(u),
            _ => return Err(FormatError::malformed(0, "plist: unknown value type")),
        };
        if bytes > MAX_EXPANDED_BYTES {
            return Err(FormatError::malformed(
                0,
                format!("plist: more than {MAX_EXPANDED_BYTES} bytes of text and data"),
            ));
        }
        match stack.last_mut() {
            None if root.is_none() => root = Some(done),
            None => {
                return Err(FormatError::malformed(
                    0,
                    "plist: more than one top-level value",
                ));
            }
            Some(Frame::Array(a)) => a.push(done),
            Some(Frame::Dict(d, key)) => match (key.take(), done) {
                (Some(k), v) => {
                    d.insert(k, v);
                }
                (None, Value::String(k)) => *key = Some(k),
                (None, _) => {
                    return Err(FormatError::malformed(
                        0,
                        "plist: dictionary key is not a string",
                    ));
                }
            },
        }
    }
    root.ok_or_else(|| FormatError::malformed(0, "plist: no value"))
}

/// Parses a property list whose top level must be a dictionary.
pub fn parse_plist_dict(bytes: &[u8]) -> Result<Dictionary, FormatError> {
    parse_plist(bytes)?
        .into_dictionary()
        .ok_or_else(|| FormatError::malformed(0, "plist: top level is not a dictionary"))
}

/// A string value of a dictionary, trimmed; `None` when missing, empty or not a string.
pub fn dict_str(dict: &Dictionary, key: &str) -> Option<String> {
    dict.get(key)
        .and_then(Value::as_string)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The identifying keys of a bundle's `Contents/Info.plist`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleInfo {
    /// `CFBundleIdentifier`, e.g. `com.kaspersky.kav`.
    pub identifier: Option<String>,
    /// `CFBundleName`.
    pub name: Option<String>,
    /// `CFBundleDisplayName`.
    pub display_name: Option<String>,
    /// `CFBundleShortVersionString` (the marketing version).
    pub short_version: Option<String>,
    /// `CFBundleVersion` (the build version).
    pub version: Option<String>,
    /// `CFBundleExecutable`: the main executable's file name in `Contents/MacOS`.
    pub executable: Option<String>,
    /// `CFBundlePackageType`, e.g. `APPL`, `KEXT`, `SYSX`.
    pub package_type: Option<String>,
    /// `NSHumanReadableCopyright`.
    pub copyright: Option<String>,
}

impl BundleInfo {
    /// The version to report: the short version string, else the build version.
    pub fn best_version(&self) -> Option<&str> {
        self.short_version.as_deref().or(self.version.as_deref())
    }
}

/// Reads the bundle keys of an `Info.plist`.
pub fn parse_bundle_info(bytes: &[u8]) -> Result<BundleInfo, FormatError> {
    let d = parse_plist_dict(bytes)?;
    Ok(BundleInfo {
        identifier: dict_str(&d, "CFBundleIdentifier"),
        name: dict_str(&d, "CFBundleName"),
        display_name: dict_str(&d, "CFBundleDisplayName"),
        short_version: dict_str(&d, "CFBundleShortVersionString"),
        version: dict_str(&d, "CFBundleVersion"),
        executable: dict_str(&d, "CFBundleExecutable"),
        package_type: dict_str(&d, "CFBundlePackageType"),
        copyright: dict_str(&d, "NSHumanReadableCopyright"),
    })
}

/// A launchd job definition (`/Library/LaunchDaemons/*.plist` and the like).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchdJob {
    /// `Label`: the job's unique name.
    pub label: Option<String>,
    /// `Program`, when given.
    pub program: Option<String>,
    /// `ProgramArguments`; the first is the program when `Program` is absent.
    pub program_arguments: Vec<String>,
    /// `Disabled` is true.
    pub disabled: bool,
    /// `RunAtLoad` is true.
    pub run_at_load: bool,
    /// `BundleProgram` (a path inside the owning bundle), when given.
    pub bundle_program: Option<String>,
}

impl LaunchdJob {
    /// The executable launchd would start: `Program`, else the first argument, else
    /// `BundleProgram`.
    pub fn executable(&self) -> Option<&str> {
        self.program
            .as_deref()
            .or(self.program_arguments.first().map(String::as_str))
            .or(self.bundle_program.as_deref())
    }
}

/// Reads a launchd job definition.
pub fn parse_launchd_job(bytes: &[u8]) -> Result<LaunchdJob, FormatError> {
    let d = parse_plist_dict(bytes)?;
    let program_arguments = d
        .get("ProgramArguments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_string)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(LaunchdJob {
        label: dict_str(&d, "Label"),
        program: dict_str(&d, "Program"),
        program_arguments,
        disabled: d
            .get("Disabled")
            .and_then(Value::as_boolean)
            .unwrap_or(false),
        run_at_load: d
            .get("RunAtLoad")
            .and_then(Value::as_boolean)
            .unwrap_or(false),
        bundle_program: dict_str(&d, "BundleProgram"),
    })
}

/// An installer receipt (`/var/db/receipts/<id>.plist`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PkgReceipt {
    /// `PackageIdentifier`, e.g. `com.kaspersky.kav.core`.
    pub identifier: Option<String>,
    /// `PackageVersion`.
    pub version: Option<String>,
    /// `InstallPrefixPath`.
    pub install_prefix: Option<String>,
    /// `InstallProcessName`, e.g. `installer`.
    pub install_process: Option<String>,
}

/// Reads an installer receipt.
pub fn parse_pkg_receipt(bytes: &[u8]) -> Result<PkgReceipt, FormatError> {
    let d = parse_plist_dict(bytes)?;
    Ok(PkgReceipt {
        identifier: dict_str(&d, "PackageIdentifier"),
        version: dict_str(&d, "PackageVersion"),
        install_prefix: dict_str(&d, "InstallPrefixPath"),
        install_process: dict_str(&d, "InstallProcessName"),
    })
}

/// One entry of `/Library/Receipts/InstallHistory.plist`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstallHistoryEntry {
    /// `displayName`.
    pub display_name: Option<String>,
    /// `displayVersion`.
    pub display_version: Option<String>,
    /// `packageIdentifiers`.
    pub package_identifiers: Vec<String>,
    /// `processName`.
    pub process_name: Option<String>,
}

/// Reads `InstallHistory.plist`: an array of install records.
pub fn parse_install_history(bytes: &[u8]) -> Result<Vec<InstallHistoryEntry>, FormatError> {
    let v = parse_plist(bytes)?;
    let arr = v
        .as_array()
        .ok_or_else(|| FormatError::malformed(0, "install history: top level is not an array"))?;
    Ok(arr
        .iter()
        .filter_map(Value::as_dictionary)
        .map(|d| InstallHistoryEntry {
            display_name: dict_str(d, "displayName"),
            display_version: dict_str(d, "displayVersion"),
            package_identifiers: d
                .get("packageIdentifiers")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_string)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            process_name: dict_str(d, "processName"),
        })
        .collect())
}

/// One system extension recorded in `/Library/SystemExtensions/db.plist`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemExtensionRecord {
    /// `identifier` (bundle id).
    pub identifier: Option<String>,
    /// `teamID`.
    pub team_id: Option<String>,
    /// `state`, e.g. `activated_enabled`.
    pub state: Option<String>,
    /// `bundleVersion.CFBundleShortVersionString`, else `CFBundleVersion`.
    pub version: Option<String>,
    /// `originPath`: the containing app's path.
    pub origin_path: Option<String>,
}

/// Reads the `extensions` array of the system extensions database.
pub fn parse_sysext_db(bytes: &[u8]) -> Result<Vec<SystemExtensionRecord>, FormatError> {
    let d = parse_plist_dict(bytes)?;
    let Some(exts) = d.get("extensions").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    Ok(exts
        .iter()
        .filter_map(Value::as_dictionary)
        .map(|e| {
            let bv = e.get("bundleVersion").and_then(Value::as_dictionary);
            SystemExtensionRecord {
                identifier: dict_str(e, "identifier"),
                team_id: dict_str(e, "teamID"),
                state: dict_str(e, "state"),
                version: bv.and_then(|b| {
                    dict_str(b, "CFBundleShortVersionString")
                        .or_else(|| dict_str(b, "CFBundleVersion"))
                }),
                origin_path: dict_str(e, "originPath"),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launchd_executable_falls_back_to_arguments() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>Label</key><string>com.kaspersky.kav</string>
<key>ProgramArguments</key><array><string>/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav</string><string>-d</string></array>
</dict></plist>"#;
        let j = parse_launchd_job(xml).unwrap();
        assert_eq!(j.label.as_deref(), Some("com.kaspersky.kav"));
        assert_eq!(
            j.executable(),
            Some("/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav")
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_plist(b"bplist00\xff\xff").is_err());
        assert!(parse_plist(b"").is_err());
        assert!(parse_plist_dict(b"<plist><array/></plist>").is_err());
    }
}
