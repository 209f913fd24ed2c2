//! Browser extension metadata: Chromium `manifest.json`, `_locales/*/messages.json`,
//! `Preferences`/`Secure Preferences` (`extensions.settings`) and Firefox
//! `extensions.json`.

use crate::FormatError;
use serde_json::Value;
use std::collections::BTreeMap;

/// The facts of a Chromium extension `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChromiumManifest {
    /// `name`, possibly a `__MSG_key__` placeholder (see [`resolve_message`]).
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`, possibly a placeholder.
    pub description: String,
    /// `default_locale`, the `_locales` folder holding the default messages.
    pub default_locale: String,
    /// `manifest_version`.
    pub manifest_version: Option<i64>,
    /// `update_url`.
    pub update_url: String,
    /// `author` (a string or `{ "email": … }`).
    pub author: String,
}

/// Parses a `manifest.json`. Fails when it is not a JSON object. A UTF-8 byte-order
/// mark is skipped.
pub fn parse_chromium_manifest(data: &[u8]) -> Result<ChromiumManifest, FormatError> {
    let v = json_object(data, "manifest.json")?;
    let author = match v.get("author") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    Ok(ChromiumManifest {
        name: string(&v, "name"),
        version: string(&v, "version"),
        description: string(&v, "description"),
        default_locale: string(&v, "default_locale"),
        manifest_version: v.get("manifest_version").and_then(Value::as_i64),
        update_url: string(&v, "update_url"),
        author,
    })
}

/// Parses a `_locales/<locale>/messages.json` into a map from lower-cased message key to
/// message text (Chromium matches keys case-insensitively).
pub fn parse_chromium_messages(data: &[u8]) -> Result<BTreeMap<String, String>, FormatError> {
    let v = json_object(data, "messages.json")?;
    let mut out = BTreeMap::new();
    if let Value::Object(map) = v {
        for (key, entry) in map {
            if let Some(msg) = entry.get("message").and_then(Value::as_str) {
                out.insert(key.to_lowercase(), msg.to_string());
            }
        }
    }
    Ok(out)
}

/// The message key of a `__MSG_key__` placeholder, if `text` is one.
pub fn message_key(text: &str) -> Option<&str> {
    let key = text.trim().strip_prefix("__MSG_")?.strip_suffix("__")?;
    (!key.is_empty()).then_some(key)
}

/// Resolves a `__MSG_key__` placeholder against parsed messages; other text, or a key
/// without a message, is returned as is.
pub fn resolve_message(text: &str, messages: &BTreeMap<String, String>) -> String {
    message_key(text)
        .and_then(|k| messages.get(&k.to_lowercase()))
        .cloned()
        .unwrap_or_else(|| text.to_string())
}

/// One entry of `extensions.settings` in a Chromium `Preferences` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChromiumExtensionSetting {
    /// The 32-letter extension id.
    pub id: String,
    /// `state`: 1 enabled, 0 disabled (absent in recent versions).
    pub state: Option<i64>,
    /// `disable_reasons`: a bit mask (older) or a list (newer); 0 or empty = none.
    pub disable_reasons: i64,
    /// `location` (Chromium's `ManifestLocation`): 1 internal (web store), 4 unpacked,
    /// 5 component, 7 external policy download, 9 external policy …
    pub location: Option<i64>,
    /// `from_webstore`.
    pub from_webstore: Option<bool>,
    /// `path`: the install folder, relative to `Extensions/` or absolute for unpacked.
    pub path: String,
    /// `manifest.name`, kept in the prefs for policy and unpacked extensions.
    pub name: String,
    /// `manifest.version`.
    pub version: String,
}

impl ChromiumExtensionSetting {
    /// Whether the prefs say the extension is switched off.
    pub fn is_disabled(&self) -> bool {
        self.state == Some(0) || self.disable_reasons != 0
    }

    /// Whether it was installed by enterprise policy (`location` 7 external policy
    /// download or 9 external policy).
    pub fn is_policy(&self) -> bool {
        matches!(self.location, Some(7) | Some(9))
    }
}

/// Reads `extensions.settings` from a `Preferences` or `Secure Preferences` file. A file
/// without the key yields no entries; a file that is not a JSON object is an error.
pub fn parse_chromium_preferences(
    data: &[u8],
) -> Result<Vec<ChromiumExtensionSetting>, FormatError> {
    let v = json_object(data, "preferences")?;
    let Some(settings) = v.pointer("/extensions/settings").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (id, s) in settings {
        let disable_reasons = match s.get("disable_reasons") {
            Some(Value::Number(n)) => n.as_i64().unwrap_or(1),
            Some(Value::Array(a)) => i64::from(!a.is_empty()),
            _ => 0,
        };
        out.push(ChromiumExtensionSetting {
            id: id.clone(),
            state: s.get("state").and_then(Value::as_i64),
            disable_reasons,
            location: s.get("location").and_then(Value::as_i64),
            from_webstore: s.get("from_webstore").and_then(Value::as_bool),
            path: string(s, "path"),
            name: s
                .pointer("/manifest/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            version: s
                .pointer("/manifest/version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    Ok(out)
}

/// One add-on of a Firefox `extensions.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirefoxAddon {
    /// `id`, e.g. `urladvisor@kaspersky.com`.
    pub id: String,
    /// `version`.
    pub version: String,
    /// `defaultLocale.name`.
    pub name: String,
    /// `defaultLocale.creator`.
    pub creator: String,
    /// `type`: `extension`, `theme`, `locale`, `dictionary` …
    pub kind: String,
    /// `active`.
    pub active: bool,
    /// `userDisabled`.
    pub user_disabled: bool,
    /// `location`: `app-profile`, `app-system-defaults`, `app-builtin` …
    pub location: String,
    /// `path`: the `.xpi` file or folder (absolute, on the scanned host).
    pub path: String,
}

/// Parses a Firefox `extensions.json` (`addons[]`). Fails when it is not a JSON object
/// or `addons` is not a list; entries without an `id` are skipped.
pub fn parse_firefox_extensions(data: &[u8]) -> Result<Vec<FirefoxAddon>, FormatError> {
    let v = json_object(data, "extensions.json")?;
    let addons = match v.get("addons") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(FormatError::malformed(
                0,
                "extensions.json `addons` is not a list",
            ));
        }
    };
    Ok(addons
        .iter()
        .filter_map(|a| {
            let id = a.get("id").and_then(Value::as_str)?;
            Some(FirefoxAddon {
                id: id.to_string(),
                version: string(a, "version"),
                name: a
                    .pointer("/defaultLocale/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                creator: a
                    .pointer("/defaultLocale/creator")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                kind: string(a, "type"),
                active: a.get("active").and_then(Value::as_bool).unwrap_or(false),
                user_disabled: a
                    .get("userDisabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                location: string(a, "location"),
                path: string(a, "path"),
            })
        })
        .collect())
}

/// An extension that a managed browser policy file installs or allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyExtension {
    /// Extension id.
    pub id: String,
    /// `force_installed`, `normal_installed`, `allowed`, `blocked` …, or
    /// `force_installed` for an `ExtensionInstallForcelist` entry.
    pub mode: String,
    /// Update or install URL, when given.
    pub url: String,
}

/// Reads the extensions a managed policy file installs: Chromium-family
/// `policies/managed/*.json` (`ExtensionInstallForcelist`, `ExtensionSettings`) and
/// Firefox `policies.json` (`policies.ExtensionSettings`). Entries whose mode is not an
/// install (`allowed`, `blocked`, `removed`) and the `*` default are skipped.
pub fn parse_browser_policy(data: &[u8]) -> Result<Vec<PolicyExtension>, FormatError> {
    let v = json_object(data, "policy file")?;
    let policies = v.get("policies").filter(|p| p.is_object()).unwrap_or(&v);
    let mut out: Vec<PolicyExtension> = Vec::new();
    if let Some(list) = policies
        .get("ExtensionInstallForcelist")
        .and_then(Value::as_array)
    {
        for entry in list.iter().filter_map(Value::as_str) {
            let (id, url) = entry.split_once(';').unwrap_or((entry, ""));
            out.push(PolicyExtension {
                id: id.trim().to_string(),
                mode: "force_installed".into(),
                url: url.trim().to_string(),
            });
        }
    }
    if let Some(map) = policies.get("ExtensionSettings").and_then(Value::as_object) {
        for (id, s) in map {
            let mode = string(s, "installation_mode");
            if id == "*" || !matches!(mode.as_str(), "force_installed" | "normal_installed") {
                continue;
            }
            if out.iter().any(|e| &e.id == id) {
                continue;
            }
            let url = [string(s, "update_url"), string(s, "install_url")]
                .into_iter()
                .find(|u| !u.is_empty())
                .unwrap_or_default();
            out.push(PolicyExtension {
                id: id.clone(),
                mode,
                url,
            });
        }
    }
    out.retain(|e| !e.id.is_empty());
    Ok(out)
}

fn json_object(data: &[u8], what: &str) -> Result<Value, FormatError> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let v: Value = serde_json::from_slice(data)
        .map_err(|e| FormatError::malformed(0, format!("{what} is not valid json: {e}")))?;
    if !v.is_object() {
        return Err(FormatError::malformed(
            0,
            format!("{what} is not a json object"),
        ));
    }
    Ok(v)
}

fn string(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_name_resolves_case_insensitively() {
        let m = parse_chromium_manifest(
            br#"{"name":"__MSG_extName__","version":"4.0.7.1","default_locale":"en","manifest_version":3}"#,
        )
        .unwrap();
        assert_eq!(message_key(&m.name), Some("extName"));
        let msgs =
            parse_chromium_messages(br#"{"EXTNAME":{"message":"Kaspersky Protection"}}"#).unwrap();
        assert_eq!(resolve_message(&m.name, &msgs), "Kaspersky Protection");
        assert_eq!(resolve_message("__MSG_missing__", &msgs), "__MSG_missing__");
        assert_eq!(resolve_message("Plain", &msgs), "Plain");
        assert_eq!(m.manifest_version, Some(3));
    }

    #[test]
    fn preferences_state_and_policy() {
        let prefs = br#"{"extensions":{"settings":{
            "aaaa":{"state":0,"location":1},
            "bbbb":{"disable_reasons":[1],"location":7,"manifest":{"name":"P","version":"2"}},
            "cccc":{"state":1,"location":1,"path":"cccc/1.0_0"}}}}"#;
        let s = parse_chromium_preferences(prefs).unwrap();
        assert_eq!(s.len(), 3);
        assert!(s[0].is_disabled());
        assert!(s[1].is_disabled() && s[1].is_policy());
        assert_eq!((s[1].name.as_str(), s[1].version.as_str()), ("P", "2"));
        assert!(!s[2].is_disabled());
        assert_eq!(parse_chromium_preferences(b"{}").unwrap(), vec![]);
    }

    #[test]
    fn firefox_addons() {
        let data = br#"{"schemaVersion":36,"addons":[
            {"id":"urladvisor@kaspersky.com","version":"4.1","type":"extension","active":false,
             "userDisabled":true,"location":"app-profile","defaultLocale":{"name":"Kaspersky Protection"}},
            {"noid":true}]}"#;
        let a = parse_firefox_extensions(data).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].id, "urladvisor@kaspersky.com");
        assert_eq!(a[0].name, "Kaspersky Protection");
        assert!(!a[0].active && a[0].user_disabled);
    }

    #[test]
    fn policy_forcelist_and_settings() {
        let chrome = br#"{"ExtensionInstallForcelist":["ahkjpbeeocnddjkakilopmfdlnjdpcdm;https://clients2.google.com/service/update2/crx"],
            "ExtensionSettings":{"*":{"installation_mode":"blocked"},"aaaa":{"installation_mode":"allowed"},
            "bbbb":{"installation_mode":"normal_installed","update_url":"https://u"}}}"#;
        let p = parse_browser_policy(chrome).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "ahkjpbeeocnddjkakilopmfdlnjdpcdm");
        assert_eq!(p[0].mode, "force_installed");
        assert_eq!((p[1].id.as_str(), p[1].url.as_str()), ("bbbb", "https://u"));
        let firefox = br#"{"policies":{"ExtensionSettings":{"urladvisor@kaspersky.com":
            {"installation_mode":"force_installed","install_url":"file:///opt/kl.xpi"}}}}"#;
        let f = parse_browser_policy(firefox).unwrap();
        assert_eq!(f[0].id, "urladvisor@kaspersky.com");
        assert_eq!(f[0].url, "file:///opt/kl.xpi");
        assert!(parse_browser_policy(b"[]").is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [&b""[..], b"[]", b"{\"name\":", b"\xff\xfe\x00", b"null"] {
            assert!(parse_chromium_manifest(bad).is_err());
            assert!(parse_chromium_messages(bad).is_err());
            assert!(parse_chromium_preferences(bad).is_err());
            assert!(parse_firefox_extensions(bad).is_err());
        }
        assert!(parse_firefox_extensions(br#"{"addons":7}"#).is_err());
    }
}
