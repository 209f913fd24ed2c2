//! Snap packages: `meta/snap.yaml`, snapd's `state.json` and store assertions.
//!
//! Only top-level scalar keys of `snap.yaml` are read, by hand ([`parse_top_level`]): a
//! YAML library would be a large dependency for three strings, and `serde_yaml` is
//! deprecated. Assertions (`var/lib/snapd/assertions/…/active`) use the same `key: value`
//! header syntax, ended by a blank line.

use crate::FormatError;
use serde_json::Value;

/// Top-level facts of a `meta/snap.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapYaml {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `summary`.
    pub summary: String,
    /// `title`.
    pub title: String,
    /// `type`: `app`, `base`, `os`, `kernel`, `gadget`, `snapd`.
    pub kind: String,
    /// `base`.
    pub base: String,
    /// `confinement`.
    pub confinement: String,
    /// `architectures` is skipped; `grade`.
    pub grade: String,
}

/// Reads top-level `key: value` scalars of a YAML mapping (or an assertion header): a
/// line starting without indentation, up to the first blank line when `stop_at_blank`.
/// Quoted values are unquoted; block scalars (`|`, `>`) take the indented lines below.
/// Nested mappings and lists are skipped.
pub fn parse_top_level(data: &[u8], stop_at_blank: bool) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut block: Option<(usize, bool)> = None; // (index in out, folded)
    for line in text.lines() {
        if line.trim().is_empty() {
            if stop_at_blank {
                break;
            }
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if indented {
            if let Some((i, folded)) = block
                && let Some((_, v)) = out.get_mut(i)
            {
                if !v.is_empty() {
                    v.push(if folded { ' ' } else { '\n' });
                }
                v.push_str(line.trim());
            }
            continue;
        }
        block = None;
        if line.starts_with('#') || line.starts_with("---") || line.starts_with('-') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = strip_comment(value.trim());
        if value.starts_with('|') || value.starts_with('>') {
            block = Some((out.len(), value.starts_with('>')));
            out.push((key.trim().to_string(), String::new()));
        } else {
            out.push((key.trim().to_string(), unquote(value)));
        }
    }
    out
}

fn strip_comment(v: &str) -> &str {
    if v.starts_with('"') || v.starts_with('\'') {
        return v;
    }
    v.split_once(" #").map_or(v, |(head, _)| head.trim_end())
}

fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        inner.replace("\\\"", "\"")
    } else if let Some(inner) = v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        v.to_string()
    }
}

/// Parses a `meta/snap.yaml`. Fails when there is no top-level `name`.
pub fn parse_snap_yaml(data: &[u8]) -> Result<SnapYaml, FormatError> {
    let mut s = SnapYaml::default();
    for (k, v) in parse_top_level(data, false) {
        let slot = match k.as_str() {
            "name" => &mut s.name,
            "version" => &mut s.version,
            "summary" => &mut s.summary,
            "title" => &mut s.title,
            "type" => &mut s.kind,
            "base" => &mut s.base,
            "confinement" => &mut s.confinement,
            "grade" => &mut s.grade,
            _ => continue,
        };
        if slot.is_empty() {
            *slot = v;
        }
    }
    if s.name.is_empty() {
        return Err(FormatError::malformed(
            0,
            "snap.yaml has no top-level `name`",
        ));
    }
    Ok(s)
}

/// One snap as snapd's `state.json` records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapState {
    /// Instance name (the key under `data.snaps`).
    pub name: String,
    /// `active`: false for a disabled snap.
    pub active: bool,
    /// `current` revision.
    pub revision: String,
    /// `type`.
    pub kind: String,
    /// `snap-id` of the current revision's side info (store snaps only).
    pub snap_id: String,
    /// `tracking-channel` or `channel`.
    pub channel: String,
    /// Publisher, when the side info carries one (`publisher` as a string or an object
    /// with `display-name`/`username`).
    pub publisher: String,
    /// `title` of the current revision.
    pub title: String,
}

/// Parses `var/lib/snapd/state.json` into its installed snaps (sorted by name). Fails
/// when it is not a JSON object.
pub fn parse_snapd_state(data: &[u8]) -> Result<Vec<SnapState>, FormatError> {
    let v: Value = serde_json::from_slice(data)
        .map_err(|e| FormatError::malformed(0, format!("state.json is not valid json: {e}")))?;
    if !v.is_object() {
        return Err(FormatError::malformed(0, "state.json is not a json object"));
    }
    let Some(snaps) = v.pointer("/data/snaps").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, s) in snaps {
        let revision = text(s.get("current"));
        let seq = s.get("sequence").and_then(Value::as_array);
        let side = seq
            .and_then(|seq| {
                seq.iter()
                    .find(|e| text(e.get("revision")) == revision)
                    .or_else(|| seq.last())
            })
            .cloned()
            .unwrap_or(Value::Null);
        let publisher = [side.get("publisher"), s.get("publisher")]
            .into_iter()
            .flatten()
            .map(|p| match p {
                Value::Object(o) => text(o.get("display-name").or_else(|| o.get("username"))),
                other => text(Some(other)),
            })
            .find(|p| !p.is_empty())
            .unwrap_or_default();
        let channel = text(s.get("tracking-channel"));
        out.push(SnapState {
            name: name.clone(),
            active: s.get("active").and_then(Value::as_bool).unwrap_or(false),
            revision,
            kind: text(s.get("type")),
            snap_id: text(side.get("snap-id")),
            channel: if channel.is_empty() {
                text(s.get("channel"))
            } else {
                channel
            },
            publisher,
            title: text(side.get("title")),
        });
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The value of a header in a snapd assertion (`snap-declaration`, `account`), e.g.
/// `publisher-id` or `display-name`.
pub fn assertion_header(data: &[u8], key: &str) -> Option<String> {
    parse_top_level(data, true)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_yaml_top_level_only() {
        let y = b"name: kaspersky-demo\nversion: '11.2'\nsummary: \"Demo: scanner\" \ndescription: |\n  line one\n  line two\napps:\n  kav:\n    command: bin/kav\n    name: nested\ntype: app # comment\n";
        let s = parse_snap_yaml(y).unwrap();
        assert_eq!(s.name, "kaspersky-demo");
        assert_eq!(s.version, "11.2");
        assert_eq!(s.summary, "Demo: scanner");
        assert_eq!(s.kind, "app");
        let all = parse_top_level(y, false);
        assert!(all.contains(&("description".into(), "line one\nline two".into())));
        assert!(parse_snap_yaml(b"version: 1\n").is_err());
        assert!(parse_snap_yaml(b"\xff\xfe\x00garbage").is_err());
    }

    #[test]
    fn snapd_state_current_revision_and_publisher() {
        let j = br#"{"data":{"snaps":{"firefox":{"type":"app","active":true,"current":"2",
            "sequence":[{"name":"firefox","snap-id":"old","revision":"1"},
                        {"name":"firefox","snap-id":"ID","revision":"2","publisher":{"display-name":"Mozilla"}}],
            "tracking-channel":"latest/stable"},"loc":{"active":false,"current":"x1","sequence":[{"revision":"x1"}]}}}}"#;
        let s = parse_snapd_state(j).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (
                s[0].name.as_str(),
                s[0].revision.as_str(),
                s[0].snap_id.as_str()
            ),
            ("firefox", "2", "ID")
        );
        assert_eq!(s[0].publisher, "Mozilla");
        assert_eq!(s[0].channel, "latest/stable");
        assert!(!s[1].active);
        assert!(parse_snapd_state(b"[1]").is_err());
        assert!(parse_snapd_state(b"{").is_err());
    }

    #[test]
    fn assertion_headers_stop_at_the_body() {
        let a = b"type: account\naccount-id: abc\ndisplay-name: AO Kaspersky Lab\n\nbody: no\n";
        assert_eq!(
            assertion_header(a, "display-name").as_deref(),
            Some("AO Kaspersky Lab")
        );
        assert_eq!(assertion_header(a, "body"), None);
    }
}
