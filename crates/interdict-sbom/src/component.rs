//! The format-neutral component tree every SBOM reader builds, and its flattening into
//! [`Artifact`]s.

use crate::error::SbomError;
use interdict_inventory::{Artifact, ArtifactKind, attr};
use packageurl::PackageUrl;
use std::str::FromStr;

/// The separator between names in a component path.
pub const PATH_SEPARATOR: &str = " > ";

/// Stands in a component path for a skipped component without a name, above the nested
/// components that were kept.
pub const UNNAMED: &str = "(unnamed)";

/// One component as read from any SBOM format, with its nested components.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub name: String,
    pub version: Option<String>,
    pub group: Option<String>,
    pub component_type: Option<String>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub supplier: Option<String>,
    pub manufacturer: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub originator: Option<String>,
    pub bom_ref: Option<String>,
    /// CycloneDX `properties` (name, value).
    pub properties: Vec<(String, String)>,
    /// Where the component was declared, for warnings: a field path (`components[2]`,
    /// `packages[0]`, `@graph[5]`) or a line (`line 12`).
    pub origin: String,
    pub children: Vec<Component>,
}

impl Component {
    /// The first party field present, in the order supplier, manufacturer, publisher,
    /// author, originator.
    fn first_party(&self) -> Option<&str> {
        [
            &self.supplier,
            &self.manufacturer,
            &self.publisher,
            &self.author,
            &self.originator,
        ]
        .into_iter()
        .find_map(|field| field.as_deref())
    }
}

/// Returns `Some(trimmed)` for a non-empty value, `None` otherwise.
pub(crate) fn clean(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// An SPDX party value (`Organization: X`, `Person: Y (mail)`, `Tool: Z`, `NOASSERTION`)
/// reduced to its name; `None` for `NOASSERTION`, `NONE` or empty.
pub(crate) fn spdx_party(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    if value.is_empty()
        || value.eq_ignore_ascii_case("NOASSERTION")
        || value.eq_ignore_ascii_case("NONE")
    {
        return None;
    }
    let stripped = ["Organization:", "Person:", "Tool:"]
        .iter()
        .find_map(|prefix| value.strip_prefix(prefix))
        .unwrap_or(value);
    clean(Some(stripped))
}

/// Context shared by every artifact of one document.
pub(crate) struct FlattenContext<'a> {
    pub file: &'a str,
    pub collector: &'a str,
    pub spec_version: &'a str,
}

/// Flattens a forest of top components (depth 0) into artifacts, parents first.
///
/// A component without a name is skipped with a [`SbomError::SkippedComponent`] warning,
/// but its nested components are kept where they are: at their own depth (so still
/// `embedded`), with [`UNNAMED`] standing for the skipped parent in their path. A tool
/// that leaves the root package of a scan unnamed (syft does) thus loses nothing, and a
/// banned engine inside a nameless product is still reported as embedded in it.
pub(crate) fn flatten(
    roots: &[Component],
    context: &FlattenContext<'_>,
    warnings: &mut Vec<SbomError>,
) -> Vec<Artifact> {
    let mut artifacts = Vec::new();
    let mut path: Vec<&str> = Vec::new();
    for root in roots {
        flatten_into(root, context, &mut path, &mut artifacts, warnings);
    }
    artifacts
}

fn flatten_into<'c>(
    component: &'c Component,
    context: &FlattenContext<'_>,
    path: &mut Vec<&'c str>,
    out: &mut Vec<Artifact>,
    warnings: &mut Vec<SbomError>,
) {
    // Iterative over siblings, recursive over depth; depth is bounded by the readers.
    if component.name.is_empty() {
        warnings.push(skipped_unnamed(component, context.file, path));
        path.push(UNNAMED);
    } else {
        path.push(component.name.as_str());
        out.push(to_artifact(component, context, path));
    }
    for child in &component.children {
        flatten_into(child, context, path, out, warnings);
    }
    path.pop();
}

/// The warning for a component without a name.
fn skipped_unnamed(component: &Component, file: &str, parents: &[&str]) -> SbomError {
    let mut place = component.origin.clone();
    if let Some(reference) = &component.bom_ref {
        place.push_str(&format!(" ({reference})"));
    }
    if !parents.is_empty() {
        place.push_str(&format!(" under {}", parents.join(PATH_SEPARATOR)));
    }
    let reason = match component.children.len() {
        0 => "it has no name".to_string(),
        1 => "it has no name; its 1 nested component is kept".to_string(),
        n => format!("it has no name; its {n} nested components are kept"),
    };
    SbomError::SkippedComponent {
        file: file.to_string(),
        component: place,
        reason,
    }
}

fn to_artifact(component: &Component, context: &FlattenContext<'_>, path: &[&str]) -> Artifact {
    let depth = path.len().saturating_sub(1);
    let component_path = path.join(PATH_SEPARATOR);
    let location = format!("{}#{}", context.file, component_path);
    let mut artifact = Artifact::new(
        ArtifactKind::SbomComponent,
        component.name.clone(),
        location,
        context.collector,
    );
    if let Some(version) = &component.version {
        artifact = artifact.with_version(version.clone());
    }
    if let Some(party) = component.first_party() {
        artifact = artifact.with_publisher(party.to_string());
    }
    let optional = [
        ("supplier", &component.supplier),
        ("manufacturer", &component.manufacturer),
        ("publisher", &component.publisher),
        ("author", &component.author),
        ("originator", &component.originator),
        ("group", &component.group),
        ("component-type", &component.component_type),
        (attr::PURL, &component.purl),
        ("cpe", &component.cpe),
        ("bom-ref", &component.bom_ref),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            artifact = artifact.with_attr(key, value.clone());
        }
    }
    if let Some(purl) = component
        .purl
        .as_deref()
        .and_then(|p| PackageUrl::from_str(p).ok())
    {
        artifact = artifact
            .with_attr("purl-type", purl.ty())
            .with_attr("purl-name", purl.name());
        if let Some(namespace) = purl.namespace() {
            artifact = artifact.with_attr("purl-namespace", namespace);
        }
    }
    // A component of interdict's own host export is an item on that host, not code
    // embedded in another product.
    let host_item = component
        .properties
        .iter()
        .any(|(n, _)| n == "interdict:collector");
    // interdict's own export records what each item was (`interdict:kind`, `…:state`,
    // `…:collector`, `…:location`); keep them so a round trip matches like the scan.
    for (name, value) in &component.properties {
        if let Some(key) = name.strip_prefix("interdict:") {
            artifact = artifact.with_attr(&format!("interdict-{key}"), value.clone());
            if key == "state" && value == "leftover" {
                artifact = artifact.with_state(interdict_inventory::ArtifactState::Leftover);
            }
        }
    }
    artifact
        .with_attr(attr::COMPONENT_PATH, component_path)
        .with_attr(attr::DEPTH, depth.to_string())
        .with_attr(
            attr::EMBEDDED,
            if depth >= 1 && !host_item {
                "true"
            } else {
                "false"
            },
        )
        .with_attr("spec-version", context.spec_version)
}

/// The deepest nesting a reader accepts; deeper input is cut off with an error so that
/// hostile documents cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;
