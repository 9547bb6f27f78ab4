#!/usr/bin/env bash
# govulncheck over every package, against a vulnerability database built
# here from the golang.org/x/vulndb module (served by the Go module proxy),
# so that no access to vuln.go.dev is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
VULN_VERSION=${VULN_VERSION:-v1.9.0}
db=${VULNDB_DIR:-${TMPDIR:-/tmp}/civicdesk-vulndb-$VULNDB_VERSION}
if [ ! -f "$db/index/db.json" ]; then
  src=$($GO mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$src/data/osv" ] || { echo "vulncheck: no OSV data in golang.org/x/vulndb@$VULNDB_VERSION" >&2; exit 1; }
  echo "vulncheck: building the database from $(ls "$src/data/osv" | wc -l) OSV entries into $db"
  rm -rf "$db.tmp" && $GO run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$db.tmp"
  mv "$db.tmp" "$db"
fi
echo "vulncheck: $($GO version)"
exec $GO run "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION" -db "file://$db" ./...
