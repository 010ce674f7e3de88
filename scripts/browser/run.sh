#!/usr/bin/env bash
# The sandbox console in Debian's headless Chromium (scripts/browser/console.mjs).
# Pinned npm packages (package-lock.json) are installed into a cache keyed by
# the lockfile; Chromium is the system's (scripts/test.sh installs it). The
# screenshot is kept in artifacts/ (git-ignored). Usage: scripts/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v npm >/dev/null; then
	echo "SKIP console browser test: npm is not installed (as for scripts/clients.sh)"
	exit 0
fi
if [ ! -x "$chromium" ]; then
	echo "console browser test: no $chromium (Debian: apt-get install chromium; scripts/test.sh does)" >&2
	[ "${CI:-}" = true ] && exit 1 # CI must run it
	echo "SKIP console browser test"
	exit 0
fi
dir=$(bash scripts/npm-cache.sh scripts/browser browser)
cp scripts/browser/console.mjs "$dir/" # its imports resolve from its own folder

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/myapihq-mcp" .
mkdir -p artifacts "$work/home"
# A private HOME: this run's sandbox state and credentials stay apart.
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
	MYAPI_CREDENTIAL_STORE=file MYAPI_LOG_LEVEL=warn MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=1 CHROMIUM="$chromium" \
	node "$dir/console.mjs" "$PWD/artifacts/console.png" "$work/myapihq-mcp" --sandbox
