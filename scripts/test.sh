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

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== bench smoke (the benchmark program still runs; figures: go run ./bench)"
if ! out=$(go run ./bench -runs 2 -calls 50 2>&1); then
	echo "$out"; exit 1
fi

echo "== fuzz (each target a fixed number of inputs)"
bash scripts/fuzz.sh

echo "== third-party MCP clients (Inspector, TypeScript SDK, conformance)"
bash scripts/clients.sh

echo "== remote mode engines (redis-server, haproxy for e2e/remote_*_test.go)"
if ! command -v redis-server >/dev/null || ! command -v haproxy >/dev/null; then
	if command -v apt-get >/dev/null; then
		(apt-get install -y redis-server haproxy || { apt-get update && apt-get install -y redis-server haproxy; }) >/dev/null
	else
		echo "redis-server/haproxy missing and no apt-get: TestRemoteCluster will skip"
	fi
fi

echo "== go test -race"
# On Linux the suite runs inside a private D-Bus session with an unlocked
# gnome-keyring, so the real-keyring tests run too (they skip elsewhere).
wrap=()
if [ "$(uname -s)" = Linux ] && { command -v apt-get >/dev/null || command -v gnome-keyring-daemon >/dev/null; }; then
	wrap=(bash scripts/with-secret-service.sh)
elif [ "${CI:-}" = true ]; then
	echo "CI needs a Secret Service for the real-keyring tests (Debian: apt-get)" >&2; exit 1
fi
"${wrap[@]}" go test -race -count=1 -timeout 12m "$@" ./...
