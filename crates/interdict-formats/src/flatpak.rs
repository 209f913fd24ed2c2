//! Flatpak: the deployment `metadata` file (a GKeyFile) and AppStream metainfo XML
//! (`files/share/metainfo/*.xml`, formerly `appdata`), which carries the version.

use crate::FormatError;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The facts of a deployment's `metadata` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatpakMetadata {
    /// `Application` or `Runtime`: the group that names the ref.
    pub kind: String,
    /// `name=` of that group: the application or runtime id.
    pub name: String,
    /// `runtime=`, e.g. `org.freedesktop.Platform/x86_64/23.08`.
    pub runtime: String,
    /// `command=`.
    pub command: String,
}

/// One `[group]` of a GKeyFile with its `key=value` entries in order.
pub type KeyFileGroup = (String, Vec<(String, String)>);

/// Parses a GKeyFile (INI): `[group]` headers, `key=value` entries, `#` comments.
/// Fails on any other non-blank line or an entry before the first group.
pub fn parse_keyfile(data: &[u8]) -> Result<Vec<KeyFileGroup>, FormatError> {
    let text = String::from_utf8_lossy(data);
    let mut groups: Vec<KeyFileGroup> = Vec::new();
    let mut offset = 0usize;
    for line in text.split('\n') {
        let line_start = offset;
        offset = offset.saturating_add(line.len() + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            groups.push((name.to_string(), Vec::new()));
            continue;
        }
        let entry = line
            .split_once('=')
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()));
        match (entry, groups.last_mut()) {
            (Some(kv), Some((_, entries))) => entries.push(kv),
            _ => {
                return Err(FormatError::malformed(
                    line_start,
                    "keyfile line is not a group or key=value",
                ));
            }
        }
    }
    Ok(groups)
}

/// Parses a flatpak `metadata` file. Fails when neither `[Application]` nor
/// `[Runtime]` has a `name`.
pub fn parse_flatpak_metadata(data: &[u8]) -> Result<FlatpakMetadata, FormatError> {
    for (group, entries) in parse_keyfile(data)? {
        if group != "Application" && group != "Runtime" {
            continue;
        }
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let name = get("name");
        if name.is_empty() {
            continue;
        }
        return Ok(FlatpakMetadata {
            kind: group.clone(),
            name,
            runtime: get("runtime"),
            command: get("command"),
        });
    }
    Err(FormatError::malformed(
        0,
        "flatpak metadata has no [Application] or [Runtime] name",
    ))
}

/// The facts of an AppStream metainfo file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppStream {
    /// `<id>` of the component.
    pub id: String,
    /// Untranslated `<name>` of the component.
    pub name: String,
    /// `<developer_name>` or `<developer><name>`, untranslated.
    pub developer: String,
    /// `version` of the first `<release>` (AppStream lists the newest first).
    pub version: String,
}

/// Most XML events read from one metainfo file.
const MAX_EVENTS: usize = 200_000;

/// Parses an AppStream metainfo/appdata XML. Fails on malformed XML or when there is no
/// `<component>` root.
pub fn parse_appstream(data: &[u8]) -> Result<AppStream, FormatError> {
    let mut reader = Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut out = AppStream::default();
    let mut path: Vec<String> = Vec::new();
    let mut text_target: Option<&'static str> = None;
    let mut seen_component = false;
    for _ in 0..MAX_EVENTS {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| FormatError::malformed(pos, format!("metainfo xml: {e}")))?;
        match event {
            Event::Start(e) => {
                let tag = open_tag(&e, &path, &mut out, &mut text_target);
                seen_component |= tag == "component" && path.is_empty();
                path.push(tag);
            }
            Event::Empty(e) => {
                let tag = open_tag(&e, &path, &mut out, &mut text_target);
                seen_component |= tag == "component" && path.is_empty();
                text_target = None;
            }
            Event::End(_) => {
                path.pop();
                text_target = None;
            }
            Event::Text(t) => append(&mut out, text_target, &t.xml10_content()),
            Event::CData(t) => append(&mut out, text_target, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string),
                };
                append(
                    &mut out,
                    text_target,
                    resolved.as_deref().unwrap_or_default(),
                );
            }
            Event::Eof => {
                if !seen_component {
                    return Err(FormatError::malformed(
                        0,
                        "metainfo xml has no <component> root",
                    ));
                }
                if !path.is_empty() {
                    return Err(FormatError::truncated(
                        pos,
                        "metainfo xml ends inside an element",
                    ));
                }
                for s in [&mut out.id, &mut out.name, &mut out.developer] {
                    *s = s.trim().to_string();
                }
                return Ok(out);
            }
            _ => {}
        }
        buf.clear();
    }
    Err(FormatError::malformed(0, "metainfo xml is too large"))
}

fn append(out: &mut AppStream, target: Option<&str>, text: &str) {
    let slot = match target {
        Some("id") => &mut out.id,
        Some("name") => &mut out.name,
        Some("developer") => &mut out.developer,
        _ => return,
    };
    slot.push_str(text);
}

/// Handles a start or empty tag: picks the text field it fills and reads the first
/// release version. Returns the tag's local name.
fn open_tag(
    e: &quick_xml::events::BytesStart<'_>,
    path: &[String],
    out: &mut AppStream,
    text_target: &mut Option<&'static str>,
) -> String {
    let tag = e.local_name().as_ref().to_string();
    let translated = e
        .attributes()
        .flatten()
        .any(|a| a.key.local_name().as_ref() == "lang");
    let parent = path.last().map(String::as_str).unwrap_or_default();
    *text_target = match (translated, path.len(), parent, tag.as_str()) {
        (false, 1, "component", "id") => Some("id"),
        (false, 1, "component", "name") => Some("name"),
        (false, 1, "component", "developer_name") => Some("developer"),
        (false, 2, "developer", "name") => Some("developer"),
        _ => None,
    };
    if tag == "release" && parent == "releases" && out.version.is_empty() {
        for a in e.attributes().flatten() {
            if a.key.local_name().as_ref() == "version" {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .unwrap_or_default();
                out.version = v.trim().to_string();
            }
        }
    }
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_application_name() {
        let m = parse_flatpak_metadata(
            b"# comment\n[Application]\nname=com.kaspersky.Demo\nruntime=org.freedesktop.Platform/x86_64/23.08\n\n[Context]\nshared=network;\n",
        )
        .unwrap();
        assert_eq!(
            (m.kind.as_str(), m.name.as_str()),
            ("Application", "com.kaspersky.Demo")
        );
        assert_eq!(m.runtime, "org.freedesktop.Platform/x86_64/23.08");
        assert!(parse_flatpak_metadata(b"[Context]\nshared=network;\n").is_err());
        assert!(parse_flatpak_metadata(b"name=x\n").is_err());
        assert!(parse_flatpak_metadata(b"\xff\x00garbage").is_err());
    }

    #[test]
    fn appstream_first_release_and_untranslated_name() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>com.kaspersky.Demo</id>
  <name>Kaspersky &amp; Demo</name>
  <name xml:lang="ru">Касперский</name>
  <developer_name>AO Kaspersky Lab</developer_name>
  <releases>
    <release version="21.3.10" date="2024-01-01"/>
    <release version="21.2.0" date="2023-01-01"><description><p>x</p></description></release>
  </releases>
</component>"#;
        let a = parse_appstream(xml.as_bytes()).unwrap();
        assert_eq!(a.id, "com.kaspersky.Demo");
        assert_eq!(a.name, "Kaspersky & Demo");
        assert_eq!(a.developer, "AO Kaspersky Lab");
        assert_eq!(a.version, "21.3.10");
        assert!(parse_appstream(b"<other/>").is_err());
        assert!(parse_appstream(b"<component><id>x</i></component>").is_err());
        assert!(parse_appstream(b"\xff\xfe\x00").is_err());
        assert!(parse_appstream(b"<component><releases>").is_err());
    }
}
