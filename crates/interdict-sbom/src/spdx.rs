//! SPDX 2.x documents: the JSON form read through a lenient serde model, and the package
//! tree every SPDX form (2.x JSON and tag-value, 3.0 JSON-LD) builds from `DESCRIBES`,
//! `CONTAINS` and `DEPENDS_ON` relationships.

use crate::component::{Component, FlattenContext, MAX_DEPTH, clean, flatten, spdx_party};
use crate::error::SbomError;
use crate::lenient::{Item, lenient_string, lenient_strings, null_default, sort_items};
use crate::{SbomDocument, SbomFormat};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};

/// The collector id of SPDX artifacts.
pub const SPDX_COLLECTOR: &str = "sbom-spdx";

const SUPPORTED_SPDX_VERSIONS: &[&str] = &["SPDX-2.0", "SPDX-2.1", "SPDX-2.2", "SPDX-2.3"];

/// One package as either SPDX form gives it.
#[derive(Debug, Default, Clone)]
pub(crate) struct SpdxPackage {
    pub spdx_id: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub supplier: Option<String>,
    pub originator: Option<String>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub purpose: Option<String>,
    /// Where the package was declared, for warnings (`packages[3]`, `PackageName at line 12`).
    pub origin: String,
}

/// One relationship, already reduced to a parent-child edge.
#[derive(Debug, Clone)]
pub(crate) struct SpdxRelationship {
    pub element: String,
    pub kind: String,
    pub related: String,
}

/// What either SPDX form yields before the tree is built.
#[derive(Debug, Default)]
pub(crate) struct SpdxParts {
    pub version: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub describes: Vec<String>,
    pub packages: Vec<SpdxPackage>,
    pub relationships: Vec<SpdxRelationship>,
    /// The field that carries the version, for messages.
    pub version_field: &'static str,
    /// Packages skipped so far (malformed), each naming where it was.
    pub warnings: Vec<SbomError>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DocumentModel {
    #[serde(rename = "spdxVersion", deserialize_with = "lenient_string")]
    spdx_version: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(rename = "documentNamespace", deserialize_with = "lenient_string")]
    document_namespace: Option<String>,
    #[serde(rename = "documentDescribes", deserialize_with = "lenient_strings")]
    document_describes: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    packages: Vec<Item<PackageModel>>,
    #[serde(deserialize_with = "null_default")]
    relationships: Vec<Item<RelationshipModel>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageModel {
    #[serde(rename = "SPDXID", deserialize_with = "lenient_string")]
    spdx_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(rename = "versionInfo", deserialize_with = "lenient_string")]
    version_info: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    supplier: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    originator: Option<String>,
    #[serde(rename = "primaryPackagePurpose", deserialize_with = "lenient_string")]
    primary_package_purpose: Option<String>,
    #[serde(rename = "externalRefs", deserialize_with = "null_default")]
    external_refs: Vec<Option<ExternalRefModel>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalRefModel {
    #[serde(rename = "referenceType", deserialize_with = "lenient_string")]
    reference_type: Option<String>,
    #[serde(rename = "referenceLocator", deserialize_with = "lenient_string")]
    reference_locator: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RelationshipModel {
    #[serde(rename = "spdxElementId", deserialize_with = "lenient_string")]
    spdx_element_id: Option<String>,
    #[serde(rename = "relationshipType", deserialize_with = "lenient_string")]
    relationship_type: Option<String>,
    #[serde(rename = "relatedSpdxElement", deserialize_with = "lenient_string")]
    related_spdx_element: Option<String>,
}

/// Reads an SPDX JSON document.
pub(crate) fn read_json(text: &str, file: &str) -> Result<SbomDocument, SbomError> {
    let model: DocumentModel = serde_json::from_str(text).map_err(|e| SbomError::json(file, &e))?;
    let mut warnings = Vec::new();
    let packages = sort_items(model.packages, "packages", file, &mut warnings)
        .into_iter()
        .map(|(index, p)| {
            let mut package = SpdxPackage {
                spdx_id: p.spdx_id,
                name: p.name,
                version: p.version_info,
                supplier: p.supplier,
                originator: p.originator,
                purpose: p.primary_package_purpose,
                origin: format!("packages[{index}]"),
                ..SpdxPackage::default()
            };
            for reference in p.external_refs.into_iter().flatten() {
                add_external_ref(
                    &mut package,
                    reference.reference_type.as_deref(),
                    reference.reference_locator.as_deref(),
                );
            }
            package
        })
        .collect();
    let relationships = sort_items(model.relationships, "relationships", file, &mut warnings)
        .into_iter()
        .filter_map(|(_, r)| {
            Some(SpdxRelationship {
                element: r.spdx_element_id?,
                kind: r.relationship_type?,
                related: r.related_spdx_element?,
            })
        })
        .collect();
    let parts = SpdxParts {
        version: model.spdx_version,
        name: model.name,
        namespace: model.document_namespace,
        describes: model.document_describes,
        packages,
        relationships,
        version_field: "spdxVersion",
        warnings,
    };
    build_document(parts, file, SbomFormat::SpdxJson)
}

/// Records a `purl` or `cpe23Type`/`cpe22Type` external reference on a package.
pub(crate) fn add_external_ref(
    package: &mut SpdxPackage,
    kind: Option<&str>,
    locator: Option<&str>,
) {
    let locator = clean(locator);
    match kind.map(str::trim) {
        Some("purl") if package.purl.is_none() => package.purl = locator,
        Some("cpe23Type" | "cpe22Type") if package.cpe.is_none() => package.cpe = locator,
        _ => {}
    }
}

/// Checks the SPDX 2 version, builds the package tree and flattens it.
pub(crate) fn build_document(
    parts: SpdxParts,
    file: &str,
    format: SbomFormat,
) -> Result<SbomDocument, SbomError> {
    let version = parts
        .version
        .clone()
        .ok_or_else(|| SbomError::missing(file, parts.version_field))?;
    if !SUPPORTED_SPDX_VERSIONS.contains(&version.as_str()) {
        return Err(SbomError::UnsupportedVersion {
            file: file.to_string(),
            format: "spdx",
            field: parts.version_field.to_string(),
            version,
            supported: "SPDX-2.0 to SPDX-2.3",
        });
    }
    let spec_version = version.trim_start_matches("SPDX-").to_string();
    Ok(assemble_document(parts, spec_version, file, format))
}

/// Builds the package tree of any SPDX version and flattens it. A package without a name
/// is skipped by [`flatten`] with a warning; the packages under it are kept.
pub(crate) fn assemble_document(
    mut parts: SpdxParts,
    spec_version: String,
    file: &str,
    format: SbomFormat,
) -> SbomDocument {
    let roots = build_tree(&parts);
    let context = FlattenContext {
        file,
        collector: SPDX_COLLECTOR,
        spec_version: &spec_version,
    };
    let mut warnings = std::mem::take(&mut parts.warnings);
    let components = flatten(&roots, &context, &mut warnings);
    SbomDocument {
        format,
        components,
        spec_version,
        serial_number: parts.namespace,
        name: parts.name,
        warnings,
    }
}

/// Parent-to-child edges between packages: `A CONTAINS B`, `A DEPENDS_ON B` and their
/// inverses `B CONTAINED_BY A`, `B DEPENDENCY_OF A`.
fn child_edges(parts: &SpdxParts) -> (HashMap<&str, Vec<&str>>, Vec<&str>) {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut described: Vec<&str> = parts.describes.iter().map(String::as_str).collect();
    for relationship in &parts.relationships {
        let (element, related) = (relationship.element.as_str(), relationship.related.as_str());
        match relationship.kind.trim().to_ascii_uppercase().as_str() {
            "DESCRIBES" if element == "SPDXRef-DOCUMENT" => described.push(related),
            "DESCRIBED_BY" if related == "SPDXRef-DOCUMENT" => described.push(element),
            "CONTAINS" | "DEPENDS_ON" => children.entry(element).or_default().push(related),
            "CONTAINED_BY" | "DEPENDENCY_OF" => children.entry(related).or_default().push(element),
            _ => {}
        }
    }
    (children, described)
}

/// Builds the component forest. Each package appears once: under the first parent that
/// reaches it from a described package (breadth first, so at its shallowest depth);
/// packages no relationship reaches become top components of their own.
fn build_tree(parts: &SpdxParts) -> Vec<Component> {
    let by_id: HashMap<&str, usize> = parts
        .packages
        .iter()
        .enumerate()
        .filter_map(|(index, p)| p.spdx_id.as_deref().map(|id| (id, index)))
        .collect();
    let (edges, described) = child_edges(parts);
    let mut placed: Vec<bool> = vec![false; parts.packages.len()];
    let mut place = |index: usize| !std::mem::replace(&mut placed[index], true);
    let mut parent_of: Vec<Option<usize>> = vec![None; parts.packages.len()];
    let mut depth_of: Vec<usize> = vec![0; parts.packages.len()];
    let mut roots: Vec<usize> = Vec::new();
    let mut queue: VecDeque<usize> = VecDeque::new();
    let mut next_unplaced = 0;
    for id in described {
        if let Some(&index) = by_id.get(id)
            && place(index)
        {
            roots.push(index);
            queue.push_back(index);
        }
    }
    loop {
        while let Some(index) = queue.pop_front() {
            if depth_of[index] >= MAX_DEPTH {
                continue;
            }
            let id = parts.packages[index].spdx_id.as_deref().unwrap_or_default();
            for child_id in edges.get(id).into_iter().flatten() {
                if let Some(&child) = by_id.get(child_id)
                    && place(child)
                {
                    parent_of[child] = Some(index);
                    depth_of[child] = depth_of[index] + 1;
                    queue.push_back(child);
                }
            }
        }
        // Anything not reached yet starts a tree of its own, in document order.
        // Placing only moves forward, so the scan resumes where it stopped.
        while next_unplaced < parts.packages.len() && !place(next_unplaced) {
            next_unplaced += 1;
        }
        if next_unplaced == parts.packages.len() {
            break;
        }
        roots.push(next_unplaced);
        queue.push_back(next_unplaced);
    }
    let mut children_of: Vec<Vec<usize>> = vec![Vec::new(); parts.packages.len()];
    for (child, parent) in parent_of.iter().enumerate() {
        if let Some(parent) = parent {
            children_of[*parent].push(child);
        }
    }
    roots
        .iter()
        .map(|&root| assemble(root, parts, &children_of))
        .collect()
}

fn assemble(index: usize, parts: &SpdxParts, children_of: &[Vec<usize>]) -> Component {
    let package = &parts.packages[index];
    Component {
        name: package.name.clone().unwrap_or_default(),
        version: package.version.clone().filter(|v| v != "NOASSERTION"),
        component_type: package.purpose.clone(),
        purl: package.purl.clone(),
        cpe: package.cpe.clone(),
        supplier: spdx_party(package.supplier.as_deref()),
        originator: spdx_party(package.originator.as_deref()),
        bom_ref: package.spdx_id.clone(),
        origin: package.origin.clone(),
        children: children_of[index]
            .iter()
            .map(|&child| assemble(child, parts, children_of))
            .collect(),
        ..Component::default()
    }
}
