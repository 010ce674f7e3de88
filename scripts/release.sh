#!/usr/bin/env bash
# Builds a release into dist/ from the checked-out commit: archives for
# linux, darwin and windows × amd64 and arm64, the MCPB bundle for Claude
# Desktop, the container image as an archive, the MCP Registry's
# server.json, and checksums.txt over all of them.
#
#   scripts/release.sh                 # a commit tagged vX.Y.Z: release X.Y.Z; else 0.0.0-SNAPSHOT-<commit>
#   scripts/release.sh --check         # then check every artifact from outside (what CI runs)
#   scripts/release.sh --allow-dirty   # a snapshot of a tree with uncommitted changes (not reproducible)
#
# Needs: go, git, node and npm (Node 20+), podman and runc, Debian's
# ca-certificates. Reaches only the Go module proxy (GoReleaser, pinned,
# run with `go run` so it never enters go.mod) and npm (the pinned MCPB CLI,
# scripts/release/package-lock.json). A missing tool stops the release with
# what to install: no artifact is ever skipped. Each step prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."

goreleaser=github.com/goreleaser/goreleaser/v2@v2.17.0
image_repo=ghcr.io/myapihq/myapihq-mcp
allow_dirty=false check=false
for arg; do
	case $arg in
	--allow-dirty) allow_dirty=true ;;
	--check) check=true ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "release.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
	esac
done

start=$(date +%s)
. scripts/stage.sh

stage "tools and tree"
missing=()
need() { command -v "$1" >/dev/null || missing+=("$1: $2"); }
need git "apt-get install git"
need go "Go 1.26 (https://go.dev/dl)"
need node "apt-get install nodejs npm (Node 20 or later)"
need npm "apt-get install npm"
need podman "apt-get install podman runc"
need runc "apt-get install runc (crun, podman's default, fails on hybrid cgroups)"
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=("/etc/ssl/certs/ca-certificates.crt: apt-get install ca-certificates")
if [ ${#missing[@]} -gt 0 ]; then
	echo "release.sh: missing, install first:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
	echo "release.sh: Node $(node --version) is too old: the MCPB CLI needs Node 20 or later" >&2
	exit 1
fi

dirty=$(git status --porcelain)
if [ -n "$dirty" ]; then
	echo "The tree has changes that are not committed:"
	git status --short | head -20 | sed 's/^/  /'
	if ! $allow_dirty; then
		echo "release.sh: a release is built from a commit: commit or stash them, or pass --allow-dirty for a snapshot of the tree as it is" >&2
		exit 1
	fi
	echo "--allow-dirty: building a snapshot of this tree; its binaries are not reproducible from any commit"
fi
tag=$(git describe --exact-match --tags --match 'v[0-9]*.[0-9]*.[0-9]*' HEAD 2>/dev/null || true)
commit_epoch=$(git log -1 --format=%ct HEAD)

stage "GoReleaser $goreleaser: binaries and archives"
# GoReleaser reads the commit through `git ls-remote --get-url` first and,
# in a clone without a remote, silently names it "none" (0.0.0-SNAPSHOT-none,
# a zero file time): give this run alone a remote URL (no network is used).
if [ -z "$(git remote)" ]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/myapihq/myapihq-mcp.git
fi
if [ -n "$tag" ] && [ -z "$dirty" ]; then
	go run "$goreleaser" release --clean --skip=publish,announce
else
	[ -n "$tag" ] && echo "$tag is checked out but the tree is dirty: building a snapshot"
	go run "$goreleaser" release --clean --snapshot
fi
unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
version=$(node -p 'require("./dist/metadata.json").version')
echo "version $version"
case $version in
*none* | "") echo "release.sh: GoReleaser found no commit (version $version)" >&2; exit 1 ;;
esac
# binary OS ARCH: the path GoReleaser built (from its artifacts list).
binary() {
	node -e '
		const [goos, goarch, id] = process.argv.slice(1);
		const a = require("./dist/artifacts.json").find((a) => a.type === "Binary" && a.goos === goos && a.goarch === goarch && a.extra.ID === id);
		if (!a) { console.error(`no ${id} binary for ${goos}/${goarch} in dist/artifacts.json`); process.exit(1); }
		console.log(a.path);' "$1" "$2" "${3:-myapihq-mcp}"
}
universal=$(binary darwin all myapihq-mcp-universal)
linux_amd64=$(binary linux amd64)
"$linux_amd64" --version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stage "reproducible: the same bytes from plain go build in a fresh clone"
if [ -n "$dirty" ]; then
	echo "skipped: a dirty tree is not a commit anyone can rebuild"
else
	git clone -q "$PWD" "$work/src"
	git -C "$work/src" checkout -q "$(git rev-parse HEAD)"
	for target in linux/amd64 darwin/arm64 windows/amd64; do
		os=${target%/*} arch=${target#*/}
		ours=$(binary "$os" "$arch")
		(cd "$work/src" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
			-ldflags "-s -w -buildid= -X main.version=$version" -o "$work/rebuilt" .)
		if ! cmp -s "$ours" "$work/rebuilt"; then
			echo "release.sh: $target is not reproducible: $(sha256sum "$ours" | cut -c1-16) from GoReleaser, $(sha256sum "$work/rebuilt" | cut -c1-16) rebuilt" >&2
			exit 1
		fi
		echo "$target  $(sha256sum "$ours" | cut -c1-64)  identical"
	done
fi

stage "MCPB bundle (pinned @anthropic-ai/mcpb)"
tools=$(bash scripts/npm-cache.sh scripts/release release)
mcpb=("node" "$tools/node_modules/@anthropic-ai/mcpb/dist/cli/cli.js")
bundle=$work/bundle
mkdir -p "$bundle/server/darwin" "$bundle/server/linux" "$bundle/server/win32"
cp "$universal" "$bundle/server/darwin/myapihq-mcp"
cp "$linux_amd64" "$bundle/server/linux/myapihq-mcp"
cp "$(binary windows amd64)" "$bundle/server/win32/myapihq-mcp.exe"
chmod 755 "$bundle"/server/*/*
cp packaging/mcpb/icon.png "$bundle/"
"$linux_amd64" tools --json >"$work/tools.json"
node scripts/release/fill.mjs manifest packaging/mcpb/manifest.json "$version" "$work/tools.json" >"$bundle/manifest.json"
"${mcpb[@]}" validate "$bundle/manifest.json"
mcpb_file=dist/myapihq-mcp_${version}.mcpb
"${mcpb[@]}" pack "$bundle" "$mcpb_file" | grep -E '^(name|version|package size|unpacked size):'

stage "container image (podman, from scratch: nothing pulled)"
ctx=$work/image
root=$ctx/rootfs
mkdir -p "$root/etc/ssl/certs" "$root/tmp"
cp "$linux_amd64" "$root/myapihq-mcp"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
chmod 755 "$root/myapihq-mcp" && chmod 644 "$root/etc/ssl/certs/ca-certificates.crt" && chmod 1777 "$root/tmp"
image=$image_repo:$version
# A store of this run's own, removed with $work: the archive in dist/ is the
# release's image, and runs (CI's, every test run) leave no image or build
# cache behind in the machine's store.
store=(--root "$work/store/root" --runroot "$work/store/run" --storage-driver vfs)
# --timestamp: the commit's time for the image and its files, so that the
# same commit makes the same image.
podman "${store[@]}" build -q --timestamp "$commit_epoch" --build-arg "VERSION=$version" -f Dockerfile -t "$image" "$ctx"
image_file=dist/myapihq-mcp_${version}_image.tar
podman "${store[@]}" save -q -o "$image_file" "$image"
podman "${store[@]}" image inspect "$image" --format 'image {{.Id}}: {{.Size}} bytes, user {{.Config.User}}'

stage "server.json for the MCP Registry"
node scripts/release/fill.mjs server packaging/server.json "$version" "$mcpb_file" >dist/server.json

stage "checksums.txt"
(cd dist && sha256sum myapihq-mcp_*.tar.gz myapihq-mcp_*.zip "${mcpb_file#dist/}" "${image_file#dist/}" server.json >checksums.txt)
cat dist/checksums.txt

if $check; then
	stage "outside checks of every artifact (go test ./packaging/)"
	MYAPIHQ_DIST=$PWD/dist MYAPIHQ_RELEASE_TOOLS=$tools go test -count=1 -v ./packaging/ 2>&1 | grep -v '^=== '
fi

stage ""
echo "== dist/ (version $version)"
(cd dist && ls -l myapihq-mcp_*.tar.gz myapihq-mcp_*.zip myapihq-mcp_*.mcpb myapihq-mcp_*_image.tar server.json checksums.txt |
	awk '{printf "  %10d  %s\n", $5, $9}')
printf '== release built in %ds\n' $(($(date +%s) - start))
