//! CycloneDX JSON (spec 1.2 to 1.7) through a lenient serde model: only the fields this
//! crate uses are declared, every one optional, unknown fields ignored, scalars of the
//! wrong JSON type read as text, `null` read as absent, and a malformed component skipped
//! with a warning (see [`crate::lenient`]).

use crate::component::{Component, FlattenContext, MAX_DEPTH, clean, flatten};
use crate::error::SbomError;
use crate::lenient::{Item, LenientString, lenient_string, null_default, sort_items};
use crate::{SbomDocument, SbomFormat};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use std::fmt;

/// CycloneDX versions whose JSON form this crate reads.
pub(crate) const SUPPORTED_JSON_VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// The collector id of CycloneDX artifacts.
pub const CYCLONEDX_COLLECTOR: &str = "sbom-cyclonedx";

#[derive(Deserialize, Default)]
#[serde(default)]
struct BomModel {
    #[serde(rename = "bomFormat", deserialize_with = "lenient_string")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion", deserialize_with = "lenient_string")]
    spec_version: Option<String>,
    #[serde(rename = "serialNumber", deserialize_with = "lenient_string")]
    serial_number: Option<String>,
    metadata: Option<MetadataModel>,
    #[serde(deserialize_with = "null_default")]
    components: Vec<Item<ComponentModel>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetadataModel {
    component: Item<ComponentModel>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ComponentModel {
    #[serde(rename = "type", deserialize_with = "lenient_string")]
    component_type: Option<String>,
    #[serde(rename = "bom-ref", deserialize_with = "lenient_string")]
    bom_ref: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    version: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    group: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    purl: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    cpe: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    publisher: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    author: Option<String>,
    supplier: Option<PartyModel>,
    manufacturer: Option<PartyModel>,
    #[serde(deserialize_with = "null_default")]
    authors: Vec<Option<PartyModel>>,
    #[serde(deserialize_with = "null_default")]
    components: Vec<Item<ComponentModel>>,
    #[serde(deserialize_with = "null_default")]
    properties: Vec<Option<PropertyModel>>,
}

/// A CycloneDX `properties` entry (name/value pair).
#[derive(Deserialize, Default)]
#[serde(default)]
struct PropertyModel {
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    value: Option<String>,
}

/// An organizational entity or contact: an object with `name`, or (leniently) a string.
#[derive(Default)]
struct PartyModel {
    name: Option<String>,
}

impl<'de> Deserialize<'de> for PartyModel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PartyVisitor;
        impl<'de> Visitor<'de> for PartyVisitor {
            type Value = PartyModel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an organizational entity")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PartyModel, E> {
                Ok(PartyModel {
                    name: clean(Some(v)),
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<PartyModel, E> {
                Ok(PartyModel::default())
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<PartyModel, A::Error> {
                let mut party = PartyModel::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "name" {
                        party.name = map.next_value::<LenientString>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(party)
            }
        }
        deserializer.deserialize_any(PartyVisitor)
    }
}

/// Reads a CycloneDX JSON document.
pub(crate) fn read(text: &str, file: &str) -> Result<SbomDocument, SbomError> {
    let model: BomModel = serde_json::from_str(text).map_err(|e| SbomError::json(file, &e))?;
    match model.bom_format.as_deref() {
        Some(format) if format.eq_ignore_ascii_case("CycloneDX") => {}
        Some(other) => {
            return Err(SbomError::InvalidField {
                file: file.to_string(),
                field: "bomFormat".to_string(),
                line: None,
                message: format!("expected \"CycloneDX\", found {other:?}"),
            });
        }
        None => return Err(SbomError::missing(file, "bomFormat")),
    }
    let spec_version = model
        .spec_version
        .ok_or_else(|| SbomError::missing(file, "specVersion"))?;
    if !SUPPORTED_JSON_VERSIONS.contains(&spec_version.as_str()) {
        return Err(SbomError::UnsupportedVersion {
            file: file.to_string(),
            format: "cyclonedx",
            field: "specVersion".to_string(),
            version: spec_version,
            supported: "1.2 to 1.7",
        });
    }
    let mut warnings = Vec::new();
    let children = convert_list(model.components, "components", file, 1, &mut warnings)?;
    let top = match model.metadata.map(|m| m.component) {
        Some(Item::Ok(top)) => Some(convert(top, "metadata.component", file, 0, &mut warnings)?),
        Some(Item::Malformed(reason)) => {
            warnings.push(SbomError::SkippedComponent {
                file: file.to_string(),
                component: "metadata.component".to_string(),
                reason,
            });
            None
        }
        Some(Item::Absent) | None => None,
    };
    let (roots, name) = match top {
        Some(mut root) => {
            let name = clean(Some(&root.name));
            root.children.extend(children);
            (vec![root], name)
        }
        None => (children, None),
    };
    let context = FlattenContext {
        file,
        collector: CYCLONEDX_COLLECTOR,
        spec_version: &spec_version,
    };
    let components = flatten(&roots, &context, &mut warnings);
    Ok(SbomDocument {
        format: SbomFormat::CycloneDxJson,
        components,
        spec_version,
        serial_number: model.serial_number,
        name,
        warnings,
    })
}

fn convert_list(
    models: Vec<Item<ComponentModel>>,
    field: &str,
    file: &str,
    depth: usize,
    warnings: &mut Vec<SbomError>,
) -> Result<Vec<Component>, SbomError> {
    sort_items(models, field, file, warnings)
        .into_iter()
        .map(|(index, model)| convert(model, &format!("{field}[{index}]"), file, depth, warnings))
        .collect()
}

/// One component and its nested ones; a missing name is left empty for
/// [`flatten`] to skip with a warning.
fn convert(
    model: ComponentModel,
    field: &str,
    file: &str,
    depth: usize,
    warnings: &mut Vec<SbomError>,
) -> Result<Component, SbomError> {
    if depth > MAX_DEPTH {
        return Err(SbomError::InvalidField {
            file: file.to_string(),
            field: field.to_string(),
            line: None,
            message: format!("components nested deeper than {MAX_DEPTH} levels"),
        });
    }
    let authors: Vec<String> = model
        .authors
        .into_iter()
        .flatten()
        .filter_map(|a| a.name)
        .collect();
    let author = model
        .author
        .or_else(|| (!authors.is_empty()).then(|| authors.join(", ")));
    Ok(Component {
        name: model.name.unwrap_or_default(),
        version: model.version,
        group: model.group,
        component_type: model.component_type,
        purl: model.purl,
        cpe: model.cpe,
        supplier: model.supplier.and_then(|p| p.name),
        manufacturer: model.manufacturer.and_then(|p| p.name),
        publisher: model.publisher,
        author,
        originator: None,
        bom_ref: model.bom_ref,
        properties: model
            .properties
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.name?, p.value.unwrap_or_default())))
            .collect(),
        children: convert_list(
            model.components,
            &format!("{field}.components"),
            file,
            depth + 1,
            warnings,
        )?,
        origin: field.to_string(),
    })
}
