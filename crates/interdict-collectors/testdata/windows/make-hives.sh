#!/bin/sh
# Builds the small generated hives used by the Windows collector tests:
#   software.hive  SOFTWARE: Kaspersky Endpoint Security (WOW6432Node uninstall entry and
#                  KasperskyLab vendor key), decoys, a Kaspersky TLS root in the ROOT store
#   system.hive    SYSTEM: Select\Current=2; ControlSet002 (current) with AVP21.3, klif,
#                  WinDefend; ControlSet001 (stale) with klim6 and kneps, never reported
#   ntuser.hive    NTUSER.DAT of alice: per-user "Kaspersky Password Manager"
#   attrib-software.hive, attrib-system.hive, attrib-ntuser.hive
#                  one host with several Kaspersky products, for the attribution tests:
#                  KES and the Network Agent (uninstall entries with their install folders
#                  and MSI product codes, MSI registrations, AVP21.20 and klnagent services
#                  whose images lie in those folders, the klif and klim6 drivers); in
#                  alice's NTUSER.DAT Kaspersky Password Manager and an uncatalogued
#                  "Kaspersky Example Utility"
#
# Needs Debian's libhivex-bin and libwin-hivex-perl (hivexsh, hivexregedit) and openssl:
#   apt-get install -y libhivex-bin libwin-hivex-perl openssl
# Run from anywhere; writes next to this script. With arguments, writes only the hives
# named (`make-hives.sh attrib-software attrib-system attrib-ntuser`). The certificate key is generated afresh on
# each run, so thumbprint and serial change; tests assert subjects, not thumbprints.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An empty hive: base block + one 4 KiB hbin holding the root nk, an sk (hivex gives new
# keys their parent's security cell) and a free cell. hivex cannot create a hive itself.
empty_hive() { # $1 = output file, $2 = root key name
    perl -e '
        use strict;
        my ($out, $name) = @ARGV;
        my $cell = sub { my $d = shift; my $len = length($d) + 4; $len += (8 - $len % 8) % 8;
                         return pack("l<", -$len) . $d . ("\0" x ($len - 4 - length $d)); };
        my $nk_off = 0x20;
        my $nk_len = 4 + 76 + length $name; $nk_len += (8 - $nk_len % 8) % 8;
        my $sk_off = $nk_off + $nk_len;
        my $nk = $cell->(pack("a2 v Q< V V V V V V V V V V V V V V V v v",
            "nk", 0x2c, 0, 0, 0, 0, 0, 0xffffffff, 0xffffffff, 0, 0xffffffff,
            $sk_off, 0xffffffff, 0, 0, 0, 0, 0, length $name, 0) . $name);
        my $sd = pack("C C v V V V V", 1, 0, 0x8004, 0, 0, 0, 0);
        my $sk = $cell->(pack("a2 v V V V V", "sk", 0, $sk_off, $sk_off, 1, length $sd) . $sd);
        my $used = 0x20 + length($nk) + length($sk);
        my $bin = pack("a4 V V", "hbin", 0, 4096) . ("\0" x 20) . $nk . $sk;
        $bin .= pack("l<", 4096 - $used) . ("\0" x (4096 - $used - 4));
        my $base = pack("a4 V V Q< V V V V V V V", "regf", 1, 1, 0, 1, 3, 0, 1, 0x20, 4096, 1);
        $base .= "\0" x (508 - length $base);
        my $sum = 0; $sum ^= $_ for unpack("V127", $base);
        $base .= pack("V", $sum) . ("\0" x (4096 - 512));
        open(my $fh, ">:raw", $out) or die "$out: $!"; print $fh $base . $bin; close $fh;
    ' "$1" "$2"
}

# Adds every missing ancestor key header to a .reg file: hivexregedit creates a key only
# when its parent exists. $2 = number of components in the --prefix (not emitted).
with_parents() {
    perl -sne '
        if (/^\[(.*)\]\s*$/) {
            my @parts = split /\\/, $1; my $path = "";
            for my $i (0 .. $#parts) {
                $path = $i ? "$path\\$parts[$i]" : $parts[$i];
                next if $seen{$path}++;
                print "[$path]\n\n" if $i >= $depth && $i < $#parts;
            }
        }
        print;
    ' -- -depth="$2" "$1" > "$1.full"
}

# hex:aa,bb,... of a file, as .reg binary data.
reg_hex() {
    od -An -v -tx1 "$1" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
}

# --- certificate: self-signed Kaspersky TLS-interception root, wrapped in a store Blob -----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$work/key.pem" -outform DER -out "$work/cert.der" -days 3650 \
    -subj "/C=RU/O=AO Kaspersky Lab/CN=Kaspersky Anti-Virus Personal Root Certificate" 2>/dev/null
sha1=$(openssl dgst -sha1 -binary "$work/cert.der" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
# Property list: { u32 id, u32 reserved (1), u32 length, data }: id 3 = SHA-1, id 32 = DER.
perl -e '
    my ($sha1hex, $der) = @ARGV;
    open(my $f, "<:raw", $der) or die; local $/; my $d = <$f>;
    my $s = pack("H*", $sha1hex);
    print pack("V V V", 3, 1, length $s), $s, pack("V V V", 32, 1, length $d), $d;
' "$sha1" "$work/cert.der" > "$work/blob.bin"

# --- SOFTWARE ------------------------------------------------------------------------------
u='Microsoft\Windows\CurrentVersion\Uninstall'
cat > "$work/software.reg" <<EOF
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Mozilla Firefox 128.0 (x64 en-US)]
"DisplayName"="Mozilla Firefox (x64 en-US)"
"DisplayVersion"="128.0"
"Publisher"="Mozilla"
"InstallLocation"="C:\\\\Program Files\\\\Mozilla Firefox"
"UninstallString"="\"C:\\\\Program Files\\\\Mozilla Firefox\\\\uninstall\\\\helper.exe\""

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Steam App 3800]
"DisplayName"="Aliens vs. Predator"
"Publisher"="Rebellion"
"InstallLocation"="C:\\\\Program Files (x86)\\\\Steam\\\\steamapps\\\\common\\\\Aliens vs Predator"

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\KB5034441]
"SystemComponent"=dword:00000001

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}]
"DisplayName"="Kaspersky Endpoint Security for Windows"
"DisplayVersion"="11.11.0.452"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\\\Program Files (x86)\\\\Kaspersky Lab\\\\KES.11.11.0\\\\"
"UninstallString"="MsiExec.exe /X{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"
"EstimatedSize"=dword:00075300

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\{CE208ED4-D1B2-4F61-9E37-B5B7E4B1E3A0}]
"DisplayName"="McAfee VirusScan Enterprise"
"DisplayVersion"="8.8.0.2190"
"Publisher"="McAfee, Inc."

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\KasperskyLab\protected\KES.11.11.0\environment]
"ProductName"="Kaspersky Endpoint Security for Windows"
"ProductVersion"="11.11.0.452"

[HKEY_LOCAL_MACHINE\SOFTWARE\Mozilla\Mozilla Firefox]
"CurrentVersion"="128.0 (x64 en-US)"

[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\Products\872710A94F7F9FD44A28B0797BD07DDE]
"ProductName"="Kaspersky Endpoint Security for Windows"
"Version"=dword:0b0b01c4

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\ROOT\Certificates\\$sha1]
"Blob"=hex:$(reg_hex "$work/blob.bin")

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\CA\Certificates]
EOF

# --- SYSTEM --------------------------------------------------------------------------------
cat > "$work/system.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000002
"Default"=dword:00000002
"LastKnownGood"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\AVP21.3]
"DisplayName"="Kaspersky Endpoint Security Service"
"ImagePath"=str(2):"\"C:\\Program Files (x86)\\Kaspersky Lab\\KES.11.11.0\\avp.exe\" -r"
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\klif]
"DisplayName"="Kaspersky Lab service driver"
"ImagePath"=str(2):"system32\\DRIVERS\\klif.sys"
"Start"=dword:00000001
"Type"=dword:00000002
"Group"="FSFilter Anti-Virus"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\klif\Instances]
"DefaultInstance"="klif Instance"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\WinDefend]
"DisplayName"="@%ProgramFiles%\\Windows Defender\\MpAsDesc.dll,-310"
"ImagePath"=str(2):"\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24010.12-0\\MsMpEng.exe\""
"Start"=dword:00000004
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\EventLog\Application]
"File"=str(2):"%SystemRoot%\\System32\\Winevt\\Logs\\Application.evtx"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\klim6]
"ImagePath"=str(2):"system32\\DRIVERS\\klim6.sys"
"Start"=dword:00000003
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\kneps]
"ImagePath"=str(2):"system32\\DRIVERS\\kneps.sys"
"Start"=dword:00000001
"Type"=dword:00000001
EOF

# --- NTUSER.DAT (alice) --------------------------------------------------------------------
cat > "$work/ntuser.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\Kaspersky Password Manager]
"DisplayName"="Kaspersky Password Manager"
"DisplayVersion"="9.0.2.1186"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\Users\\alice\\AppData\\Local\\Kaspersky Lab\\Kaspersky Password Manager"

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run]
"OneDrive"="\"C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"
EOF

# --- attribution host: SOFTWARE -----------------------------------------------------------
kes='{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}'
na='{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}'
cat > "$work/attrib-software.reg" <<EOF
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Mozilla Firefox 128.0 (x64 en-US)]
"DisplayName"="Mozilla Firefox (x64 en-US)"
"DisplayVersion"="128.0"
"Publisher"="Mozilla"
"InstallLocation"="C:\\\\Program Files\\\\Mozilla Firefox"

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\\$kes]
"DisplayName"="Kaspersky Endpoint Security for Windows"
"DisplayVersion"="12.6.0.438"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\\\Program Files (x86)\\\\Kaspersky Lab\\\\Kaspersky Endpoint Security for Windows\\\\"
"UninstallString"="MsiExec.exe /X$kes"

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\\$na]
"DisplayName"="Kaspersky Security Center Network Agent"
"DisplayVersion"="14.2.0.26967"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\\\Program Files (x86)\\\\Kaspersky Lab\\\\NetworkAgent\\\\"
"UninstallString"="MsiExec.exe /X$na"

[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\Products\872710A94F7F9FD44A28B0797BD07DDE]
"ProductName"="Kaspersky Endpoint Security for Windows"
"Version"=dword:0c0601b6

[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\Installer\Products\ADEB42927D0EFAD42A42052D0E1BF2B5]
"ProductName"="Kaspersky Security Center Network Agent"
"Version"=dword:0e026957

[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\KasperskyLab\protected\KES.12.6\environment]
"ProductName"="Kaspersky Endpoint Security for Windows"
EOF

# --- attribution host: SYSTEM -------------------------------------------------------------
cat > "$work/attrib-system.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000001
"Default"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\AVP21.20]
"DisplayName"="Kaspersky Endpoint Security Service"
"ImagePath"=str(2):"\"C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky Endpoint Security for Windows\\avp.exe\" -r"
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\klnagent]
"DisplayName"="Kaspersky Security Center Network Agent"
"ImagePath"=str(2):"\"C:\\Program Files (x86)\\Kaspersky Lab\\NetworkAgent\\klnagent.exe\""
"Start"=dword:00000002
"Type"=dword:00000010

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\klif]
"DisplayName"="Kaspersky Lab service driver"
"ImagePath"=str(2):"system32\\DRIVERS\\klif.sys"
"Start"=dword:00000001
"Type"=dword:00000002
"Group"="FSFilter Anti-Virus"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\klim6]
"ImagePath"=str(2):"system32\\DRIVERS\\klim6.sys"
"Start"=dword:00000003
"Type"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\WinDefend]
"DisplayName"="@%ProgramFiles%\\Windows Defender\\MpAsDesc.dll,-310"
"ImagePath"=str(2):"\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24010.12-0\\MsMpEng.exe\""
"Start"=dword:00000004
"Type"=dword:00000010
EOF

# --- attribution host: NTUSER.DAT (alice) -------------------------------------------------
cat > "$work/attrib-ntuser.reg" <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\Kaspersky Password Manager]
"DisplayName"="Kaspersky Password Manager"
"DisplayVersion"="24.0.0.427"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\Users\\alice\\AppData\\Local\\Kaspersky Lab\\Kaspersky Password Manager"

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\Kaspersky Example Utility]
"DisplayName"="Kaspersky Example Utility"
"DisplayVersion"="1.0.3"
"Publisher"="AO Kaspersky Lab"
"InstallLocation"="C:\\Users\\alice\\AppData\\Local\\Kaspersky Lab\\Example Utility"
EOF

# Each hive: its root key name, the .reg prefix and the prefix's number of components.
for h in ${*:-software system ntuser attrib-software attrib-system attrib-ntuser}; do
    case $h in
        software|attrib-software)
            root='CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}'
            prefix='HKEY_LOCAL_MACHINE\SOFTWARE'; depth=2 ;;
        system|attrib-system)
            root='CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}'
            prefix='HKEY_LOCAL_MACHINE\SYSTEM'; depth=2 ;;
        ntuser|attrib-ntuser)
            root='CMI-CreateHive{D43B12B8-09B5-40DB-B4F6-F6DFEB78DAEC}'
            prefix='HKEY_CURRENT_USER'; depth=1 ;;
        *) echo "unknown hive: $h" >&2; exit 2 ;;
    esac
    empty_hive "$work/$h.hive" "$root"
    with_parents "$work/$h.reg" "$depth"
    hivexregedit --merge --prefix "$prefix" "$work/$h.hive" "$work/$h.reg.full"
    cp "$work/$h.hive" "$here/$h.hive"
    ls -l "$here/$h.hive"
done
