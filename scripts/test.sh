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

echo "== sandbox console in Debian's headless Chromium (screenshot: artifacts/console.png)"
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
	sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
bash scripts/browser/run.sh

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
