//! SPDX 3.0 documents in their JSON-LD serialization: an `@context` naming
//! `https://spdx.org/rdf/3.0.x/spdx-context.jsonld` and a flat `@graph` of elements that
//! refer to each other by `spdxId`.
//!
//! Read here: `software_Package` elements (and the other `…Package` types: AI, dataset)
//! with `name`, `software_packageVersion`, `software_packageUrl`,
//! `software_primaryPurpose`, `externalIdentifier` (`cpe23`, `cpe22`, `packageUrl`) and
//! `suppliedBy` / `originatedBy`, which point at an `Organization`, `Person` or other agent
//! whose `name` is taken (an agent written inline is read too). The tree comes from
//! `rootElement` (of the `SpdxDocument` and of any `software_Sbom`), `describes`,
//! `contains` and `dependsOn` relationships, built exactly as for SPDX 2
//! ([`crate::spdx`]). The version is the `specVersion` of the `CreationInfo`, or failing
//! that the one in the context's address.
//!
//! Compacted JSON-LD is what the specification serializes and every known tool writes;
//! an expanded graph (full IRIs as keys) is not read. Type names are matched on their
//! last segment, so `software_Package` and `https://spdx.org/rdf/3.0.1/terms/Software/Package`
//! are both packages.

use crate::component::clean;
use crate::error::SbomError;
use crate::lenient::{Item, lenient_string, lenient_strings, null_default, sort_items};
use crate::spdx::{SpdxPackage, SpdxParts, SpdxRelationship, add_external_ref, assemble_document};
use crate::{SbomDocument, SbomFormat};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
struct DocumentModel {
    #[serde(rename = "@context")]
    context: Option<Value>,
    #[serde(rename = "@graph")]
    graph: Option<Vec<Item<ElementModel>>>,
}

/// Every element type in one lenient model: only the fields read here, all optional.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ElementModel {
    #[serde(rename = "type", alias = "@type", deserialize_with = "lenient_string")]
    kind: Option<String>,
    #[serde(rename = "spdxId", alias = "@id", deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(
        rename = "software_packageVersion",
        deserialize_with = "lenient_string"
    )]
    version: Option<String>,
    #[serde(rename = "software_packageUrl", deserialize_with = "lenient_string")]
    purl: Option<String>,
    #[serde(
        rename = "software_primaryPurpose",
        deserialize_with = "lenient_string"
    )]
    purpose: Option<String>,
    #[serde(rename = "suppliedBy")]
    supplied_by: Option<Value>,
    #[serde(rename = "originatedBy")]
    originated_by: Option<Value>,
    #[serde(rename = "externalIdentifier", deserialize_with = "null_default")]
    external_identifiers: Vec<Option<ExternalIdentifierModel>>,
    #[serde(rename = "rootElement", deserialize_with = "lenient_strings")]
    root_elements: Vec<String>,
    #[serde(rename = "relationshipType", deserialize_with = "lenient_string")]
    relationship_type: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    from: Option<String>,
    #[serde(deserialize_with = "lenient_strings")]
    to: Vec<String>,
    #[serde(rename = "specVersion", deserialize_with = "lenient_string")]
    spec_version: Option<String>,
    #[serde(rename = "creationInfo")]
    creation_info: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalIdentifierModel {
    #[serde(rename = "externalIdentifierType", deserialize_with = "lenient_string")]
    kind: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    identifier: Option<String>,
}

/// The last segment of a type name: `software_Package`, `Software/Package` and a full
/// IRI all end in `Package`.
fn local_type(kind: &str) -> &str {
    kind.rsplit(['/', '_', ':', '#']).next().unwrap_or(kind)
}

fn is_agent(kind: &str) -> bool {
    matches!(
        local_type(kind),
        "Organization" | "Person" | "Agent" | "SoftwareAgent"
    )
}

/// The `specVersion` of a `CreationInfo` written inline in an element.
fn inline_spec_version(creation_info: Option<&Value>) -> Option<String> {
    clean(creation_info?.get("specVersion")?.as_str())
}

/// The version in the context's address, e.g. `3.0.1` from
/// `https://spdx.org/rdf/3.0.1/spdx-context.jsonld`.
fn context_version(context: Option<&Value>) -> Option<String> {
    let urls: Vec<&str> = match context? {
        Value::String(url) => vec![url.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    urls.into_iter().find_map(|url| {
        let rest = &url[url.find("spdx.org/rdf/")? + "spdx.org/rdf/".len()..];
        clean(rest.split('/').next())
    })
}

/// Agent references of `suppliedBy` / `originatedBy`: one or many, each an `spdxId` or an
/// agent written inline; yields the names of the agents found.
fn agent_names(value: Option<&Value>, agents: &HashMap<String, String>) -> Vec<String> {
    let items: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::String(id) => agents.get(id.trim()).cloned(),
            Value::Object(inline) => {
                clean(inline.get("name").and_then(Value::as_str)).or_else(|| {
                    let id = inline.get("spdxId").or_else(|| inline.get("@id"))?;
                    agents.get(id.as_str()?.trim()).cloned()
                })
            }
            _ => None,
        })
        .collect()
}

/// `camelCase` relationship type to the SPDX 2 spelling (`dependsOn` → `DEPENDS_ON`).
fn spdx2_relationship(kind: &str) -> String {
    let mut out = String::with_capacity(kind.len() + 4);
    for c in kind.trim().chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Reads an SPDX 3.0 JSON-LD document.
pub(crate) fn read(text: &str, file: &str) -> Result<SbomDocument, SbomError> {
    let model: DocumentModel = serde_json::from_str(text).map_err(|e| SbomError::json(file, &e))?;
    let graph = model
        .graph
        .ok_or_else(|| SbomError::missing(file, "@graph"))?;
    let mut warnings = Vec::new();
    let elements = sort_items(graph, "@graph", file, &mut warnings);

    let agents: HashMap<String, String> = elements
        .iter()
        .filter(|(_, e)| e.kind.as_deref().is_some_and(is_agent))
        .filter_map(|(_, e)| Some((e.id.clone()?, e.name.clone()?)))
        .collect();
    let mut parts = SpdxParts {
        version_field: "specVersion",
        ..SpdxParts::default()
    };
    let mut version = None;
    for (index, element) in elements {
        let kind = element.kind.as_deref().map(local_type).unwrap_or_default();
        if version.is_none() {
            version = if kind == "CreationInfo" {
                element.spec_version.clone()
            } else {
                inline_spec_version(element.creation_info.as_ref())
            };
        }
        parts
            .describes
            .extend(element.root_elements.iter().cloned());
        if kind == "SpdxDocument" && parts.name.is_none() && parts.namespace.is_none() {
            parts.name = element.name.clone();
            parts.namespace = element.id.clone();
        } else if kind.ends_with("Relationship") {
            add_relationship(&mut parts, element);
        } else if kind.ends_with("Package") {
            parts.packages.push(package(element, index, &agents));
        }
    }
    let version = version
        .or_else(|| context_version(model.context.as_ref()))
        .ok_or_else(|| SbomError::missing(file, "CreationInfo.specVersion"))?;
    if !version.starts_with("3.") {
        return Err(SbomError::UnsupportedVersion {
            file: file.to_string(),
            format: "spdx",
            field: "specVersion".to_string(),
            version,
            supported: "3.x",
        });
    }
    parts.warnings = warnings;
    Ok(assemble_document(
        parts,
        version,
        file,
        SbomFormat::Spdx3JsonLd,
    ))
}

/// Records a relationship: `describes` from the document marks roots; `contains`,
/// `dependsOn` and the rest go to the shared tree builder in SPDX 2 spelling.
fn add_relationship(parts: &mut SpdxParts, element: ElementModel) {
    let (Some(from), Some(kind)) = (element.from, element.relationship_type) else {
        return;
    };
    let kind = spdx2_relationship(&kind);
    if kind == "DESCRIBES" {
        // From the document or an SBOM in it (the graph may list relationships before
        // the document, so its `spdxId` is not checked): what it describes are roots.
        parts.describes.extend(element.to);
        return;
    }
    for to in element.to {
        parts.relationships.push(SpdxRelationship {
            element: from.clone(),
            kind: kind.clone(),
            related: to,
        });
    }
}

fn package(element: ElementModel, index: usize, agents: &HashMap<String, String>) -> SpdxPackage {
    let supplier = agent_names(element.supplied_by.as_ref(), agents)
        .into_iter()
        .next();
    let originators = agent_names(element.originated_by.as_ref(), agents);
    let mut package = SpdxPackage {
        spdx_id: element.id,
        name: element.name,
        version: element.version,
        supplier,
        originator: (!originators.is_empty()).then(|| originators.join(", ")),
        purl: element.purl,
        purpose: element.purpose,
        origin: format!("@graph[{index}]"),
        ..SpdxPackage::default()
    };
    for identifier in element.external_identifiers.into_iter().flatten() {
        let kind = match identifier.kind.as_deref() {
            Some("cpe23") => Some("cpe23Type"),
            Some("cpe22") => Some("cpe22Type"),
            Some("packageUrl") => Some("purl"),
            _ => None,
        };
        add_external_ref(&mut package, kind, identifier.identifier.as_deref());
    }
    package
}
