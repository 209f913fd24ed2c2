#!/bin/sh
# Builds the small PE fixtures used by tests/e2e_windows.rs, each a tiny C program with a
# VERSIONINFO resource:
#   kes-avp.exe        AO Kaspersky Lab / Kaspersky Endpoint Security for Windows (avp.exe)
#   signed-tool.exe    CompanyName "Tools", Authenticode-signed by a self-signed test
#                      certificate "CN=AO Kaspersky Lab, O=AO Kaspersky Lab, L=Moscow, C=RU":
#                      only the signer identifies it
#   avp-game.exe       Rebellion Developments / Aliens vs Predator (AvP.exe look-alike)
#   firefox.exe        Mozilla Corporation / Firefox
#   kavremover.exe     AO Kaspersky Lab / Kaspersky Products Remover
#   na-klnagent.exe    AO Kaspersky Lab / Kaspersky Security Center Network Agent
#                      (klnagent.exe)
#   kpm.exe            AO Kaspersky Lab / Kaspersky Password Manager
#   example-utility.exe AO Kaspersky Lab / Kaspersky Example Utility (a product the catalog
#                      does not name)
#
# Needs Debian's mingw-w64, osslsigncode and openssl:
#   apt-get install -y mingw-w64 osslsigncode openssl
# Run from anywhere; writes next to this script. With arguments, writes only the files
# named (`make-pe.sh na-klnagent.exe kpm.exe`). The signing key is generated afresh on each
# run, so the signed file changes; tests assert subjects, never hashes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/main.c" <<'C'
int main(void) { return 0; }
C

# $1 = output name, $2 = CompanyName, $3 = ProductName, $4 = FileDescription,
# $5 = OriginalFilename, $6 = version (a,b,c,d)
build() {
    v=$6
    dotted=$(echo "$v" | tr , .)
    cat > "$work/$1.rc" <<RC
1 VERSIONINFO
FILEVERSION $v
PRODUCTVERSION $v
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "$2"
      VALUE "ProductName", "$3"
      VALUE "FileDescription", "$4"
      VALUE "OriginalFilename", "$5"
      VALUE "FileVersion", "$dotted"
      VALUE "ProductVersion", "$dotted"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
RC
    x86_64-w64-mingw32-windres "$work/$1.rc" -O coff -o "$work/$1.res"
    x86_64-w64-mingw32-gcc -Os -s -o "$work/$1" "$work/main.c" "$work/$1.res"
}

build kes-avp.exe "AO Kaspersky Lab" "Kaspersky Endpoint Security for Windows" \
    "Kaspersky Endpoint Security for Windows" "avp.exe" "11,11,0,452"
build tool-unsigned.exe "Tools" "Tools" "Utility" "tool.exe" "1,0,0,0"
build avp-game.exe "Rebellion Developments" "Aliens vs Predator" "Aliens vs Predator" \
    "AvP.exe" "1,0,0,1"
build firefox.exe "Mozilla Corporation" "Firefox" "Firefox" "firefox.exe" "128,0,0,8949"
build kavremover.exe "AO Kaspersky Lab" "Kaspersky Products Remover" \
    "Kaspersky Products Remover" "kavremover.exe" "1,0,5012,0"
build na-klnagent.exe "AO Kaspersky Lab" "Kaspersky Security Center Network Agent" \
    "Network Agent" "klnagent.exe" "14,2,0,26967"
build kpm.exe "AO Kaspersky Lab" "Kaspersky Password Manager" \
    "Kaspersky Password Manager" "kpm.exe" "24,0,0,427"
build example-utility.exe "AO Kaspersky Lab" "Kaspersky Example Utility" \
    "Kaspersky Example Utility" "example.exe" "1,0,3,0"

# Self-signed code-signing certificate with the Kaspersky subject, and the signature.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$work/sign.key" -out "$work/sign.pem" -days 3650 \
    -subj "/C=RU/L=Moscow/O=AO Kaspersky Lab/CN=AO Kaspersky Lab" \
    -addext "extendedKeyUsage=codeSigning" 2>/dev/null
osslsigncode sign -certs "$work/sign.pem" -key "$work/sign.key" -h sha256 \
    -n "Tools" -in "$work/tool-unsigned.exe" -out "$work/signed-tool.exe" >/dev/null

for f in ${*:-kes-avp.exe signed-tool.exe avp-game.exe firefox.exe kavremover.exe \
    na-klnagent.exe kpm.exe example-utility.exe}; do
    cp "$work/$f" "$here/$f"
done
ls -l "$here"/*.exe
