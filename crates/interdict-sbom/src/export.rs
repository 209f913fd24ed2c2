//! CycloneDX 1.6 JSON export of a host's artifacts.

use crate::EXPORTED_KINDS;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use packageurl::PackageUrl;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The CycloneDX component type of an artifact kind.
fn component_type(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::KernelModule | ArtifactKind::Driver => "library",
        ArtifactKind::Certificate => "data",
        _ => "application",
    }
}

/// The package URL of an artifact: its own `purl` attribute when it has one, else one
/// built for the Linux package managers (`dpkg`, `apk`, `pacman`) from name, version,
/// `arch` and `distro`; `None` otherwise.
fn purl_of(artifact: &Artifact) -> Option<String> {
    if let Some(purl) = artifact.attr(interdict_inventory::attr::PURL) {
        return Some(purl.to_string());
    }
    if artifact.kind != ArtifactKind::Package {
        return None;
    }
    let manager = artifact
        .attr("package-manager")
        .map(str::to_string)
        .unwrap_or_else(|| artifact.collector.clone());
    let (ty, default_namespace) = if manager.contains("dpkg") || manager.contains("deb") {
        ("deb", "debian")
    } else if manager.contains("apk") {
        ("apk", "alpine")
    } else if manager.contains("pacman") || manager.contains("alpm") {
        ("alpm", "arch")
    } else {
        return None;
    };
    let namespace = artifact.attr("distro").unwrap_or(default_namespace);
    let mut purl = PackageUrl::new(ty, artifact.name.as_str()).ok()?;
    purl.with_namespace(namespace).ok()?;
    if let Some(version) = &artifact.version {
        purl.with_version(version.as_str()).ok()?;
    }
    if let Some(arch) = artifact.attr("arch") {
        purl.add_qualifier("arch", arch).ok()?;
    }
    Some(purl.to_string())
}

/// Renders a CycloneDX 1.6 JSON SBOM of one host: the host is the metadata component
/// (type `device`), interdict the tool, and every artifact of an exported kind (packages,
/// bundles, extensions, kernel modules, drivers, services, certificates) a component with
/// type, name, version, publisher, supplier, purl where one can be formed, a unique
/// `bom-ref`, and the `interdict:collector`, `interdict:location` and `interdict:kind`
/// properties (plus `interdict:state` for leftovers and disabled items).
pub fn to_cyclonedx_json(artifacts: &[Artifact], host: &str, tool_version: &str) -> Value {
    let mut seen_refs: HashSet<String> = HashSet::new();
    let components: Vec<Value> = artifacts
        .iter()
        .filter(|a| EXPORTED_KINDS.contains(&a.kind))
        .map(|artifact| {
            let base_ref = format!(
                "{}:{}@{}",
                artifact.kind.as_str(),
                artifact.name,
                artifact.version.as_deref().unwrap_or("")
            );
            let mut bom_ref = base_ref.clone();
            let mut suffix = 1;
            while !seen_refs.insert(bom_ref.clone()) {
                suffix += 1;
                bom_ref = format!("{base_ref}#{suffix}");
            }
            let mut component = json!({
                "type": component_type(artifact.kind),
                "bom-ref": bom_ref,
                "name": artifact.name,
            });
            if let Some(version) = &artifact.version {
                component["version"] = json!(version);
            }
            if let Some(publisher) = &artifact.publisher {
                component["publisher"] = json!(publisher);
                component["supplier"] = json!({ "name": publisher });
            }
            if let Some(purl) = purl_of(artifact) {
                component["purl"] = json!(purl);
            }
            let mut properties = vec![
                json!({ "name": "interdict:collector", "value": artifact.collector }),
                json!({ "name": "interdict:location", "value": artifact.location }),
                json!({ "name": "interdict:kind", "value": artifact.kind.as_str() }),
            ];
            if artifact.state != ArtifactState::Active {
                let state = serde_json::to_value(artifact.state).unwrap_or_default();
                properties.push(json!({ "name": "interdict:state", "value": state }));
            }
            component["properties"] = Value::Array(properties);
            component
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        "version": 1,
        "metadata": {
            "timestamp": rfc3339_now(),
            "tools": {
                "components": [
                    { "type": "application", "name": "interdict", "version": tool_version }
                ]
            },
            "component": { "type": "device", "bom-ref": "host", "name": host }
        },
        "components": components,
    })
}

/// The current UTC time as `YYYY-MM-DDThh:mm:ssZ`.
fn rfc3339_now() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}
