#!/bin/sh
# Reproduce the OASIS JSON-schema check of Herald's STIX output.
# Needs: the schemas in $SCHEMAS (default /tmp/oasis-schemas): the schemas/ tree
# of oasis-open/cti-stix2-json-schemas plus ext/ with the three common-objects
# schemas (see README.md, "Conformance to the OASIS STIX 2.1 JSON schemas").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HERALD_SRC=${HERALD_SRC:-$(cd "$here/../.." && pwd)}
ICS=${ICS:-$HERALD_SRC/internal/testdata/attack/ics-attack-18.1.json.gz}
SCHEMAS=${SCHEMAS:-/tmp/oasis-schemas}
W=$(mktemp -d)
cd "$(dirname "$0")" && go build -o schemacheck .
(cd "$HERALD_SRC" && go build -o "$W/herald" ./cmd/herald)
H="$W/herald"; DB="$W/h.db"
"$H" collection add --db "$DB" --title Advisories --alias advisories --public >/dev/null
"$H" indicator add --db "$DB" --ipv4 198.51.100.7 --name "ipv4" --indicator-type malicious-activity --kill-chain-phase mitre-attack:command-and-control --label c2
"$H" indicator add --db "$DB" --ipv4 203.0.113.0/24 --tlp amber
"$H" indicator add --db "$DB" --ipv6 2001:db8::1 --tlp green
"$H" indicator add --db "$DB" --ipv6 2001:db8::/32 --tlp amber+strict
"$H" indicator add --db "$DB" --domain evil.example.com --tlp red --valid-from 2026-01-01T00:00:00Z --valid-until 2027-01-01T00:00:00Z
"$H" indicator add --db "$DB" --url "http://evil.example.com/a?b=c" --description "a url"
"$H" indicator add --db "$DB" --email attacker@evil.example.com
"$H" indicator add --db "$DB" --md5 d41d8cd98f00b204e9800998ecf8427e
"$H" indicator add --db "$DB" --sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709
"$H" indicator add --db "$DB" --sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
I=$("$H" indicator add --db "$DB" --pattern "[file:name = 'x.exe'] AND [process:name = 'x']" --name pat 2>/dev/null)
"$H" indicator add --db "$DB" --ipv4 198.51.100.7 --name "ipv4 again" --indicates "$I"
"$H" indicator revoke --db "$DB" "$I"
"$H" export --db "$DB" --all-versions -o "$W/indicators.json"
"$H" collection add --db "$DB" --title YAML --alias yaml >/dev/null
"$H" import --db "$DB" --collection yaml "$HERALD_SRC/stix/testdata/convert/full.yaml"
"$H" export --db "$DB" --collection yaml --all-versions -o "$W/yaml.json"
zcat "$ICS" > "$W/ics.json"
status=0
for mode in "" "-ext-as-2020"; do
  echo "== Herald output ${mode:-(schemas as declared)}"
  ./schemacheck -schemas "$SCHEMAS" $mode "$HERALD_SRC/stix/testdata/convert/builtin.golden.json" \
      "$HERALD_SRC/stix/testdata/convert/full.golden.json" "$W/indicators.json" "$W/yaml.json" || status=1
  echo "== control: ATT&CK for ICS ${mode:-(schemas as declared)}"
  ./schemacheck -schemas "$SCHEMAS" $mode "$W/ics.json" > "$W/ics.out" || status=1
  grep -v '^note' "$W/ics.out"
done
echo "== negative control (must fail)"
if [ -f negative.json ]; then
  if ./schemacheck -schemas "$SCHEMAS" negative.json > "$W/neg.out"; then status=1; echo "negative control passed: checker is broken"; fi
  grep -c '^FAIL' "$W/neg.out" | sed 's/$/ FAIL reports (expected 8 of 9 objects as declared)/'
fi
rm -rf "$W"
exit $status
