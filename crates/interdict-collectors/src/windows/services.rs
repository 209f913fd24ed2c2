//! `win-services-hive`: services and drivers of the current control set of `SYSTEM`.

use super::{
    SYSTEM_HIVE, find_hive, hive_error, join, open_spelled, value_text, windows_path_to_rel,
    with_hive,
};
use crate::{Collector, Root};
use interdict_formats::regf::{Hive, Key};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState, Inventory};

const ID: &str = "win-services-hive";

/// Services (kind Service) and kernel / file-system drivers (kind Driver) registered under
/// `ControlSet00N\Services` of the `SYSTEM` hive, where `N` is `Select\Current`. Stale
/// control sets are not read. Keys without a `Type` value (parameter holders) are skipped.
#[derive(Debug, Default, Clone, Copy)]
pub struct WinServicesHive;

impl Collector for WinServicesHive {
    fn id(&self) -> &'static str {
        ID
    }

    fn collect(&self, root: &Root) -> Inventory {
        let mut inv = Inventory::default();
        if let Some(rel) = find_hive(ID, root, SYSTEM_HIVE, &mut inv) {
            with_hive(ID, root, &rel, &mut inv, |hive, inv| {
                services(hive, &rel, inv)
            });
        }
        inv
    }
}

fn services(hive: &Hive<'_>, rel: &str, inv: &mut Inventory) {
    let Some(set) = super::current_control_set(hive) else {
        inv.errors.push(super::error_at(
            ID,
            &format!("{rel}:Select"),
            "no Select\\Current value: current control set unknown",
        ));
        return;
    };
    let path = join(&set, "Services");
    let found = hive.root().and_then(|r| open_spelled(&r, "", &path));
    let (list, spelled) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return inv.errors.push(super::error_at(
                ID,
                &format!("{rel}:{path}"),
                "current control set has no services key",
            ));
        }
        Err(e) => return inv.errors.push(hive_error(ID, rel, &path, &e)),
    };
    let keys = match list.subkeys() {
        Ok(k) => k,
        Err(e) => return inv.errors.push(hive_error(ID, rel, &spelled, &e)),
    };
    for key in keys {
        if let Some(a) = service(&key, rel, &spelled, &set) {
            inv.artifacts.push(a);
        }
    }
}

fn service(key: &Key<'_>, rel: &str, services_path: &str, set: &str) -> Option<Artifact> {
    let ty = key.value_ci("Type")?.as_u32()?;
    let driver = ty & 0x3 != 0 && ty < 0x10;
    let kind = if driver {
        ArtifactKind::Driver
    } else {
        ArtifactKind::Service
    };
    let start = key.value_ci("Start").and_then(|v| v.as_u32());
    let image = value_text(key, "ImagePath").unwrap_or_default();
    let location = format!("{rel}:{}", join(services_path, key.name()));
    let mut a = Artifact::new(kind, key.name(), location, ID)
        .with_attr(
            "display-name",
            value_text(key, "DisplayName").unwrap_or_default(),
        )
        .with_attr("image-path", image.clone())
        .with_attr("type", type_name(ty))
        .with_attr("start", start.map(start_name).unwrap_or_default())
        .with_attr("control-set", set)
        .with_attr(
            "object-name",
            value_text(key, "ObjectName").unwrap_or_default(),
        );
    match windows_path_to_rel(&image) {
        Some(p) => a = a.with_path(p),
        // A driver without ImagePath is loaded from the drivers folder under its own name.
        None if driver && image.is_empty() => {
            a = a.with_path(format!("Windows/System32/drivers/{}.sys", key.name()))
        }
        None => {}
    }
    if let Some(dll) = key
        .subkey_ci("Parameters")
        .ok()
        .flatten()
        .and_then(|p| value_text(&p, "ServiceDll"))
    {
        a = a
            .with_path(windows_path_to_rel(&dll).unwrap_or_default())
            .with_attr("service-dll", dll);
    }
    if start == Some(4) {
        a = a.with_state(ArtifactState::Disabled);
    }
    Some(a)
}

/// The `Start` value by name.
fn start_name(start: u32) -> String {
    match start {
        0 => "boot".into(),
        1 => "system".into(),
        2 => "auto".into(),
        3 => "manual".into(),
        4 => "disabled".into(),
        other => other.to_string(),
    }
}

/// The `Type` value by name.
fn type_name(ty: u32) -> String {
    match ty {
        0x1 => "kernel-driver".into(),
        0x2 => "file-system-driver".into(),
        0x4 => "adapter".into(),
        0x8 => "recognizer-driver".into(),
        0x10 => "own-process".into(),
        0x20 => "share-process".into(),
        0x50 => "user-own-process".into(),
        0x60 => "user-share-process".into(),
        0x110 => "own-process-interactive".into(),
        0x120 => "share-process-interactive".into(),
        other => format!("{other:#x}"),
    }
}
