#!/bin/sh
# Builds the small generated hives used by the Windows collector tests:
#   software.hive  SOFTWARE: Kaspersky Endpoint Security (WOW6432Node uninstall entry and
#                  KasperskyLab vendor key), decoys, a Kaspersky TLS root in the ROOT store,
#                  MachineGuid 6f1a0c2e-… (attrib-software.hive has another: b3e1f7a0-…)
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

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Cryptography]
"MachineGuid"="6f1a0c2e-5b7d-4b1b-9c4d-0123456789ab"
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

# --- attribution host ---------------------------------------------------------------------
# Key writers for its .reg files (values as .reg text; optional ones left out when empty).

# $1 key under SOFTWARE, $2 DisplayName, $3 DisplayVersion, $4 Publisher, $5 InstallLocation,
# $6 UninstallString
reg_uninstall() {
    printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\%s]\n' "$1"
    printf '"DisplayName"="%s"\n"DisplayVersion"="%s"\n"Publisher"="%s"\n' "$2" "$3" "$4"
    printf '"InstallLocation"="%s"\n' "$5"
    if [ -n "${6:-}" ]; then printf '"UninstallString"="%s"\n' "$6"; fi
    printf '\n'
}

# $1 packed product code, $2 ProductName, $3 Version (hex DWORD)
reg_msi_product() {
    printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\%s]\n' "$1"
    printf '"ProductName"="%s"\n"Version"=dword:%s\n\n' "$2" "$3"
}

# $1 service name, $2 Type, $3 Start, $4 ImagePath, $5 DisplayName, $6 Group
reg_service() {
    printf '[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\%s]\n' "$1"
    if [ -n "${5:-}" ]; then printf '"DisplayName"="%s"\n' "$5"; fi
    printf '"ImagePath"=str(2):"%s"\n' "$4"
    printf '"Start"=dword:%08x\n"Type"=dword:%08x\n' "$3" "$2"
    if [ -n "${6:-}" ]; then printf '"Group"="%s"\n' "$6"; fi
    printf '\n'
}

kes='{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}'
na='{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}'
wow='WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
lab='C:\\Program Files (x86)\\Kaspersky Lab'
{
    printf 'Windows Registry Editor Version 5.00\n\n'
    reg_uninstall 'Microsoft\Windows\CurrentVersion\Uninstall\Mozilla Firefox 128.0 (x64 en-US)' \
        'Mozilla Firefox (x64 en-US)' '128.0' 'Mozilla' 'C:\\Program Files\\Mozilla Firefox'
    reg_uninstall "$wow\\$kes" 'Kaspersky Endpoint Security for Windows' '12.6.0.438' \
        'AO Kaspersky Lab' "$lab\\\\Kaspersky Endpoint Security for Windows\\\\" "MsiExec.exe /X$kes"
    reg_uninstall "$wow\\$na" 'Kaspersky Security Center Network Agent' '14.2.0.26967' \
        'AO Kaspersky Lab' "$lab\\\\NetworkAgent\\\\" "MsiExec.exe /X$na"
    reg_msi_product 872710A94F7F9FD44A28B0797BD07DDE 'Kaspersky Endpoint Security for Windows' 0c0601b6
    reg_msi_product ADEB42927D0EFAD42A42052D0E1BF2B5 'Kaspersky Security Center Network Agent' 0e026957
    printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\KasperskyLab\\protected\\KES.12.6\\environment]\n'
    printf '"ProductName"="Kaspersky Endpoint Security for Windows"\n\n'
    printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography]\n'
    printf '"MachineGuid"="b3e1f7a0-22c4-4e9b-8f31-5d6c7e8f9a0b"\n'
} > "$work/attrib-software.reg"

img='\"C:\\Program Files (x86)\\Kaspersky Lab'
{
    printf 'Windows Registry Editor Version 5.00\n\n'
    printf '[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"Current"=dword:00000001\n"Default"=dword:00000001\n\n'
    reg_service AVP21.20 16 2 "$img\\\\Kaspersky Endpoint Security for Windows\\\\avp.exe\\\" -r" \
        'Kaspersky Endpoint Security Service'
    reg_service klnagent 16 2 "$img\\\\NetworkAgent\\\\klnagent.exe\\\"" \
        'Kaspersky Security Center Network Agent'
    reg_service klif 2 1 'system32\\DRIVERS\\klif.sys' 'Kaspersky Lab service driver' \
        'FSFilter Anti-Virus'
    reg_service klim6 1 3 'system32\\DRIVERS\\klim6.sys'
    reg_service WinDefend 16 4 \
        '\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24010.12-0\\MsMpEng.exe\"' \
        '@%ProgramFiles%\\Windows Defender\\MpAsDesc.dll,-310'
} > "$work/attrib-system.reg"

# alice's per-user products
{
    printf 'Windows Registry Editor Version 5.00\n\n'
    for p in 'Kaspersky Password Manager|24.0.0.427|Kaspersky Password Manager' \
        'Kaspersky Example Utility|1.0.3|Example Utility'; do
        IFS='|' read -r name version folder <<P
$p
P
        printf '[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\%s]\n' "$name"
        printf '"DisplayName"="%s"\n"DisplayVersion"="%s"\n"Publisher"="AO Kaspersky Lab"\n' \
            "$name" "$version"
        printf '"InstallLocation"="C:\\\\Users\\\\alice\\\\AppData\\\\Local\\\\Kaspersky Lab\\\\%s"\n\n' \
            "$folder"
    done
} > "$work/attrib-ntuser.reg"

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
