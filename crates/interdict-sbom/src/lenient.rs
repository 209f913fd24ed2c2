//! Serde helpers shared by the JSON readers, for JSON as tools really write it: `null`
//! wherever a value may stand, scalars of the wrong type, and one broken element in an
//! otherwise good array.
//!
//! * [`lenient_string`] reads any scalar as text and anything else as absent.
//! * [`lenient_strings`] reads a list of identifiers: an array, a single string, or `null`.
//! * [`null_default`] reads `null` as the type's default (an empty list, mostly).
//! * [`Item`] reads one array element on its own, so that a malformed element becomes a
//!   warning ([`sort_items`]) instead of failing the whole document.

use crate::component::clean;
use crate::error::SbomError;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fmt;

/// A scalar read as text: strings as they are, numbers and booleans formatted, anything
/// else (null, arrays, objects) as absent.
pub(crate) struct LenientString(pub(crate) Option<String>);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = LenientString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientString, E> {
                Ok(LenientString(clean(Some(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientString, E> {
                Ok(LenientString(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientString, E> {
                Ok(LenientString(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientString, E> {
                Ok(LenientString(Some(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LenientString, E> {
                Ok(LenientString(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientString, E> {
                Ok(LenientString(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<LenientString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LenientString(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<LenientString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientString(None))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// `deserialize_with` adapter for [`LenientString`].
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(LenientString::deserialize(deserializer)?.0)
}

/// `deserialize_with` for a list of identifiers: an array (its non-scalar and empty
/// entries dropped), a lone scalar (JSON-LD compacts one-element arrays to the value), or
/// `null`/anything else as empty.
pub(crate) fn lenient_strings<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<LenientString>),
        One(LenientString),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(items) => items.into_iter().filter_map(|s| s.0).collect(),
        OneOrMany::One(item) => item.0.into_iter().collect(),
    })
}

/// `deserialize_with` that reads `null` as the type's default, so that `"components":
/// null` is an empty list rather than an error. (`#[serde(default)]` alone covers only a
/// missing field.)
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// One element of an array of objects, read on its own: well-formed JSON of the wrong
/// shape (not an object, or an object with a field of the wrong type) becomes
/// [`Item::Malformed`] with the reason, `null` becomes [`Item::Absent`], and only
/// broken JSON fails the document. The element is taken as raw JSON text first and read
/// from there, because a serde deserializer cannot go on after an error.
#[derive(Default)]
pub(crate) enum Item<T> {
    /// The element as read.
    Ok(T),
    /// `null` or missing: nothing there, nothing to report.
    #[default]
    Absent,
    /// Not the shape expected; why.
    Malformed(String),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The element's text, checked to be JSON but not yet read: cheaper than a
        // `serde_json::Value`, and a type error while reading it leaves the outer
        // deserializer untouched.
        let raw = <&RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let found = match text.as_bytes().first() {
            Some(b'n') => return Ok(Item::Absent),
            // Checked here: serde would read a struct from an array, field by position.
            Some(b'{') => {
                return Ok(match serde_json::from_str::<T>(text) {
                    Ok(item) => Item::Ok(item),
                    Err(error) => Item::Malformed(without_position(&error)),
                });
            }
            Some(b'[') => "an array".to_string(),
            _ => {
                let mut text = text.to_string();
                if text.len() > 60 {
                    let end = (0..=60)
                        .rev()
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(0);
                    text.truncate(end);
                    text.push('…');
                }
                text
            }
        };
        Ok(Item::Malformed(format!(
            "expected an object, found {found}"
        )))
    }
}

/// serde_json's message without its " at line L column C", which would count from the
/// start of the element, not of the file.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(end) => message[..end].to_string(),
        None => message,
    }
}

/// Keeps the well-formed elements of `items` with their index; each malformed one becomes
/// a [`SbomError::SkippedComponent`] warning naming `field[index]`.
pub(crate) fn sort_items<T>(
    items: Vec<Item<T>>,
    field: &str,
    file: &str,
    warnings: &mut Vec<SbomError>,
) -> Vec<(usize, T)> {
    let mut kept = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match item {
            Item::Ok(value) => kept.push((index, value)),
            Item::Absent => {}
            Item::Malformed(reason) => warnings.push(SbomError::SkippedComponent {
                file: file.to_string(),
                component: format!("{field}[{index}]"),
                reason,
            }),
        }
    }
    kept
}

/// Serializes warnings as their messages (`SbomDocument::warnings`).
pub(crate) fn messages<S: serde::Serializer>(
    errors: &[SbomError],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    messages.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct Thing {
        #[serde(deserialize_with = "lenient_string")]
        name: Option<String>,
        #[serde(deserialize_with = "null_default")]
        list: Vec<u8>,
        #[serde(deserialize_with = "lenient_strings")]
        ids: Vec<String>,
    }

    #[test]
    fn null_is_absent_and_one_is_a_list() {
        let thing: Thing = serde_json::from_str(r#"{"name":null,"list":null,"ids":"a"}"#).unwrap();
        assert_eq!(
            thing,
            Thing {
                ids: vec!["a".into()],
                ..Thing::default()
            }
        );
        let thing: Thing = serde_json::from_str(r#"{"ids":[null,"b",{"x":1},7]}"#).unwrap();
        assert_eq!(thing.ids, ["b", "7"]);
        let thing: Thing = serde_json::from_str(r#"{"ids":null}"#).unwrap();
        assert!(thing.ids.is_empty());
    }

    #[test]
    fn a_malformed_item_is_a_warning_and_the_others_stay() {
        let items: Vec<Item<Thing>> = serde_json::from_str(
            r#"[{"name":"a"},"oops",null,{"list":{"no":1}},{"name":"b"},["x","y"]]"#,
        )
        .unwrap();
        let mut warnings = Vec::new();
        let kept = sort_items(items, "things", "f.json", &mut warnings);
        let names: Vec<_> = kept.iter().map(|(i, t)| (*i, t.name.as_deref())).collect();
        assert_eq!(names, [(0, Some("a")), (4, Some("b"))]);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[2]
                .to_string()
                .ends_with("`things[5]`: expected an object, found an array")
        );
        let first = warnings[0].to_string();
        assert!(
            first == "f.json: skipped `things[1]`: expected an object, found \"oops\"",
            "{first}"
        );
        let second = warnings[1].to_string();
        assert!(
            second.starts_with("f.json: skipped `things[3]`: invalid type: map"),
            "{second}"
        );
        // Broken JSON still fails the whole read.
        assert!(serde_json::from_str::<Vec<Item<Thing>>>(r#"[{"name":"a"},{"#).is_err());
    }
}
