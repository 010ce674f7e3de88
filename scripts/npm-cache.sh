#!/usr/bin/env bash
# Installs a folder's pinned npm packages (package.json + package-lock.json)
# into a cache keyed by the lockfile, once, and prints the cache folder.
# Usage: dir=$(bash scripts/npm-cache.sh scripts/clients clients)
set -euo pipefail
src=$1 name=$2
key=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
dir=${XDG_CACHE_HOME:-$HOME/.cache}/myapihq-mcp/$name-$key
if [ ! -f "$dir/.installed" ]; then
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$src/package.json" "$src/package-lock.json" "$dir/"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	touch "$dir/.installed"
fi
echo "$dir"
