#!/usr/bin/env bash
# Runs every test of the project, the way CI does. On a fresh Debian machine
# it first installs what the tests need. Usage: scripts/test.sh [go test args]
# Each stage prints how long it took, and the run ends with the total.
set -euo pipefail
cd "$(dirname "$0")/.."

total_start=$(date +%s)
. scripts/stage.sh

# The Debian packages the tests drive: Chromium (the console in a browser),
# redis-server and haproxy (the remote mode's cluster), podman and runc (the
# release's container image). One apt-get for all.
stage "test engines (Debian: chromium, redis-server, haproxy, podman, runc)"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
command -v haproxy >/dev/null || need+=(haproxy)
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
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

# Windows and macOS builds are not run here, but they must vet (and the
# release stage below compiles every OS and CPU): the credential lock,
# keyring and data-dir code differ by platform.
stage "vet: GOOS=windows, GOOS=darwin"
for os in windows darwin; do
	GOOS=$os go vet ./...
done

stage "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

stage "bench smoke (the benchmark program still runs; figures: go run ./bench)"
if ! out=$(go run ./bench -runs 2 -calls 50 -strict=false 2>&1); then
	echo "$out"; exit 1
fi

# Each target runs a fixed number of inputs (about 2-5 s of fuzzing), but
# first builds its package with coverage instrumentation: the ten targets
# took 87 s with a warm build cache on a 2-core machine, 231 s with a cold one.
stage "fuzz (each target a fixed number of inputs)"
bash scripts/fuzz.sh

stage "third-party MCP clients (Inspector, TypeScript SDK, conformance)"
bash scripts/clients.sh

stage "sandbox console in Debian's headless Chromium (screenshot: artifacts/console.png)"
bash scripts/browser/run.sh console

stage "MCP App in an ext-apps AppBridge host, headless Chromium (screenshots: artifacts/app*.png)"
bash scripts/browser/run.sh app

# What a user downloads, built as a release is and checked from outside:
# six archives, the MCPB bundle, the container image, server.json and the
# checksums (scripts/release.sh). On a developer's tree with uncommitted
# changes it is a snapshot that skips only the reproducibility rebuild; CI's
# tree must be clean, so there nothing is skipped.
stage "release: build every artifact into dist/, then check each from outside"
release_flags=(--check)
[ "${CI:-}" = true ] || release_flags+=(--allow-dirty)
bash scripts/release.sh "${release_flags[@]}"

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
