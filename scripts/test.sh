#!/usr/bin/env bash
# Runs every test of the project, the way CI does. On a fresh Debian machine
# it first installs what the tests need. Usage: scripts/test.sh [go test args]
# Each stage prints how long it took, and the run ends with the total.
set -euo pipefail
cd "$(dirname "$0")/.."

total_start=$(date +%s)
stage_name="" stage_start=0
stage() { # stage NAME: ends the previous stage (printing its time) and starts NAME
	local now; now=$(date +%s)
	[ -n "$stage_name" ] && printf '   (%s: %ds)\n' "$stage_name" $((now - stage_start))
	stage_name=$1 stage_start=$now
	[ -n "$1" ] && echo "== $1"
	return 0
}

# The Debian packages the tests drive: Chromium (the console in a browser),
# redis-server and haproxy (the remote mode's cluster). One apt-get for all.
stage "test engines (Debian: chromium, redis-server, haproxy)"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
command -v haproxy >/dev/null || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
	if command -v apt-get >/dev/null; then
		sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
	else
		echo "missing ${need[*]} and no apt-get: the browser and cluster tests will skip (CI fails instead)"
	fi
fi

stage "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

# Windows and macOS builds are not run here, but they must compile and vet:
# the credential lock, keyring and data-dir code differ by platform.
stage "cross-compile and vet: GOOS=windows, GOOS=darwin"
for os in windows darwin; do
	GOOS=$os go vet ./...
	GOOS=$os go build -o /dev/null .
done

stage "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

stage "bench smoke (the benchmark program still runs; figures: go run ./bench)"
if ! out=$(go run ./bench -runs 2 -calls 50 2>&1); then
	echo "$out"; exit 1
fi

# Six targets, each a fixed number of inputs (about 2-5 s of fuzzing), but
# each first builds its package with coverage instrumentation: some 20-25 s
# per target on a 2-core machine, about two minutes for the stage.
stage "fuzz (each target a fixed number of inputs)"
bash scripts/fuzz.sh

stage "third-party MCP clients (Inspector, TypeScript SDK, conformance)"
bash scripts/clients.sh

stage "sandbox console in Debian's headless Chromium (screenshot: artifacts/console.png)"
bash scripts/browser/run.sh console

stage "MCP App in an ext-apps AppBridge host, headless Chromium (screenshots: artifacts/app*.png)"
bash scripts/browser/run.sh app

# The non-unix file lock (Windows), run on this machine.
stage "file lock and credentials with the non-unix lock (-tags forcelockfallback)"
go test -race -count=1 -tags forcelockfallback ./internal/fsx/ ./credentials/

stage "go test -race"
# On Linux the suite runs inside a private D-Bus session with an unlocked
# gnome-keyring, so the real-keyring tests run too (they skip elsewhere).
wrap=()
if [ "$(uname -s)" = Linux ] && { command -v apt-get >/dev/null || command -v gnome-keyring-daemon >/dev/null; }; then
	wrap=(bash scripts/with-secret-service.sh)
elif [ "${CI:-}" = true ]; then
	echo "CI needs a Secret Service for the real-keyring tests (Debian: apt-get)" >&2; exit 1
fi
"${wrap[@]}" go test -race -count=1 -timeout 12m "$@" ./...

stage ""
printf '== all stages passed in %ds\n' $(($(date +%s) - total_start))
