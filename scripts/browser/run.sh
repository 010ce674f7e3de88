#!/usr/bin/env bash
# Browser tests in Debian's headless Chromium: the sandbox console
# (console.mjs) and the MCP App inside an ext-apps AppBridge host (app.mjs).
# Pinned npm packages (package-lock.json) are installed into a cache keyed by
# the lockfile; Chromium is the system's (scripts/test.sh installs it).
# Screenshots go to artifacts/ (git-ignored); docs/console.png and
# docs/app.png are copies of them, refreshed by hand when the page changes.
# Usage: scripts/browser/run.sh [console|app|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:-all}

chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v npm >/dev/null; then
	echo "SKIP browser tests: npm is not installed (as for scripts/clients.sh)"
	exit 0
fi
if [ ! -x "$chromium" ]; then
	echo "browser tests: no $chromium (Debian: apt-get install chromium; scripts/test.sh does)" >&2
	[ "${CI:-}" = true ] && exit 1 # CI must run them
	echo "SKIP browser tests"
	exit 0
fi
dir=$(bash scripts/npm-cache.sh scripts/browser browser)
cp scripts/browser/chromium.mjs scripts/browser/console.mjs scripts/browser/app.mjs scripts/browser/apphost.js "$dir/" # imports resolve from their folder

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/myapihq-mcp" .
mkdir -p artifacts "$work/home"
# A private HOME: this run's sandbox state and credentials stay apart.
run_node() {
	HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
		MYAPI_CREDENTIAL_STORE=file MYAPI_LOG_LEVEL=warn MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=1 CHROMIUM="$chromium" \
		node "$@"
}
if [ "$which" = all ] || [ "$which" = console ]; then
	run_node "$dir/console.mjs" "$PWD/artifacts/console.png" "$work/myapihq-mcp" --sandbox
fi
if [ "$which" = all ] || [ "$which" = app ]; then
	rm -rf "$work/home" && mkdir -p "$work/home" # a fresh account and audit trail for the app's story
	run_node "$dir/app.mjs" "$PWD/artifacts/app.png" "$PWD/artifacts/app-narrow.png" "$work/myapihq-mcp" --sandbox
fi
