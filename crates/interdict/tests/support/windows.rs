//! The Windows fixture root with several Kaspersky products (Endpoint Security, the
//! Security Center Network Agent, a per-user Password Manager and a product the catalog
//! does not name): the `attrib-*.hive` hives of
//! `interdict-collectors/testdata/windows/make-hives.sh` and the PE files of
//! `tests/data/windows/make-pe.sh`.

use super::*;

pub const SOFTWARE: &str = "Windows/System32/config/SOFTWARE";
pub const SYSTEM: &str = "Windows/System32/config/SYSTEM";
pub const NTUSER: &str = "Users/alice/NTUSER.DAT";
pub const LAB: &str = "Program Files (x86)/Kaspersky Lab";
pub const KES_DIR: &str =
    "Program Files (x86)/Kaspersky Lab/Kaspersky Endpoint Security for Windows";
pub const NA_DIR: &str = "Program Files (x86)/Kaspersky Lab/NetworkAgent";
pub const KPM_EXE: &str =
    "Users/alice/AppData/Local/Kaspersky Lab/Kaspersky Password Manager/kpm.exe";
pub const UTIL_EXE: &str = "Users/alice/AppData/Local/Kaspersky Lab/Example Utility/example.exe";
pub const UNINSTALL: &str = r"Microsoft\Windows\CurrentVersion\Uninstall";
pub const KES_GUID: &str = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}";
pub const NA_GUID: &str = "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}";

pub fn products_root() -> Fixture {
    let fx = Fixture::new();
    fx.write(SOFTWARE, hive("attrib-software.hive"));
    fx.write(SYSTEM, hive("attrib-system.hive"));
    fx.write(NTUSER, hive("attrib-ntuser.hive"));
    fx.write(&format!("{KES_DIR}/avp.exe"), data("windows/kes-avp.exe"));
    fx.write(
        &format!("{NA_DIR}/klnagent.exe"),
        data("windows/na-klnagent.exe"),
    );
    fx.write(KPM_EXE, data("windows/kpm.exe"));
    fx.write(UTIL_EXE, data("windows/example-utility.exe"));
    fx.write(
        "Program Files/Mozilla Firefox/firefox.exe",
        data("windows/firefox.exe"),
    );
    fx
}
