#!/bin/sh
# The certificate store tests under Wine (tests/tls/CMakeLists.txt): makes
# a fresh RSA key and self-signed certificate with openssl, a PFX of them,
# and two certificates without a key (RSA, ECDSA), then runs one test:
#
#   store_test.sh WRAPPER STORE_UNIT TOOL sign|errors|chain|replaced|tool
#
# sign, errors and chain (a root, an intermediate and a leaf made here)
# are store_unit's (store_unit.c); tool checks
# eved_certstore.exe, which the end-to-end tests use: import prints the
# thumbprint, export-key is refused (exit 3), remove removes (a second
# remove fails).
set -eu
wrapper=$1 unit=$2 tool=$3 test=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Wine sees the Linux tree as drive Z:.
winpath() { printf 'Z:%s' "$1" | tr / '\134'; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
  -subj /CN=eved-store-test -addext subjectAltName=DNS:eved-store-test 2>/dev/null
openssl pkcs12 -export -in "$dir/cert.pem" -inkey "$dir/key.pem" -out "$dir/test.pfx" \
  -passout pass:eved-test
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/nokey.pem" -outform DER \
  -out "$dir/nokey.der" -days 2 -subj /CN=eved-store-nokey 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ec.pem" \
  -outform DER -out "$dir/ec.der" -days 2 -subj /CN=eved-store-ec 2>/dev/null

# A root CA, an intermediate CA and a leaf it issued (chain).
if [ "$test" = chain ]; then
  ca='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign'
  printf '%s\n' "$ca" > "$dir/ca.ext"
  printf 'subjectAltName=DNS:eved-store-leaf\n' > "$dir/leaf.ext"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/root.key" -out "$dir/root.pem" -days 2 \
    -subj /CN=eved-store-root -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/inter.key" -out "$dir/inter.csr" \
    -subj /CN=eved-store-inter 2>/dev/null
  openssl x509 -req -in "$dir/inter.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key" \
    -CAcreateserial -days 2 -extfile "$dir/ca.ext" -out "$dir/inter.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/leaf.key" -out "$dir/leaf.csr" \
    -subj /CN=eved-store-leaf 2>/dev/null
  openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/inter.pem" -CAkey "$dir/inter.key" \
    -CAcreateserial -days 2 -extfile "$dir/leaf.ext" -out "$dir/leaf.pem" 2>/dev/null
  openssl pkcs12 -export -in "$dir/leaf.pem" -inkey "$dir/leaf.key" -out "$dir/leaf.pfx" \
    -passout pass:eved-test
  openssl x509 -in "$dir/inter.pem" -outform DER -out "$dir/inter.der"
  openssl x509 -in "$dir/root.pem" -outform DER -out "$dir/root.der"
fi

case $test in
chain)
  exec "$wrapper" "$unit" chain "$(winpath "$dir/leaf.pfx")" eved-test \
    "$(winpath "$dir/inter.der")" "$(winpath "$dir/root.der")"
  ;;
sign) exec "$wrapper" "$unit" sign "$(winpath "$dir/test.pfx")" eved-test ;;
replaced)
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/other.key" -out "$dir/other.pem" -days 2 \
    -subj /CN=eved-store-other 2>/dev/null
  openssl pkcs12 -export -in "$dir/other.pem" -inkey "$dir/other.key" -out "$dir/other.pfx" \
    -passout pass:eved-test
  exec "$wrapper" "$unit" replaced "$(winpath "$dir/test.pfx")" "$(winpath "$dir/other.pfx")" eved-test
  ;;
errors) exec "$wrapper" "$unit" errors "$(winpath "$dir/nokey.der")" "$(winpath "$dir/ec.der")" ;;
tool)
  thumb=$("$wrapper" "$tool" import "$(winpath "$dir/test.pfx")" eved-test | tr -d '\r')
  want=$(openssl x509 -in "$dir/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
  echo "import: $thumb (openssl: $want)"
  status=0
  [ "$thumb" = "$want" ] || { echo "FAIL: the thumbprint is not the certificate's"; status=1; }
  set +e
  "$wrapper" "$tool" export-key "$thumb"
  rc=$?
  [ $rc = 3 ] || { echo "FAIL: export-key exit $rc, wanted 3 (refused)"; status=1; }
  "$wrapper" "$tool" remove "$thumb"
  rc=$?
  [ $rc = 0 ] || { echo "FAIL: remove exit $rc"; status=1; }
  "$wrapper" "$tool" remove "$thumb" 2>&1
  rc=$?
  [ $rc = 1 ] || { echo "FAIL: a second remove exit $rc, wanted 1 (no such certificate)"; status=1; }
  "$wrapper" "$tool" export-key "$thumb" 2>&1
  rc=$?
  [ $rc = 1 ] || { echo "FAIL: export-key of a removed certificate exit $rc, wanted 1"; status=1; }
  exit $status
  ;;
*) echo "store_test.sh: unknown test $test" >&2; exit 2 ;;
esac
