#!/usr/bin/env bash
# Runs every fuzz target for a fixed number of inputs and prints the count.
# A crash fails the run and leaves the input in the package's testdata/fuzz,
# which plain `go test` then replays for good.
#
# Counts, not durations: go1.26's fuzz coordinator can fail a duration-based
# -fuzztime at its own deadline under CPU load ("context deadline exceeded",
# no failing input; golang/go#75804, fixed in go1.27). A count has no
# deadline to race. FUZZSCALE=10 runs ten times as many.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${FUZZSCALE:-1}
# package:target:inputs (sized to ~5 s each on the project's 2-core machine)
for spec in app:FuzzStdioStream:30000 tools:FuzzValidate:50000 hqclient:FuzzResponseBodies:15000 \
	credentials:FuzzParseEnvFile:80000 sandbox:FuzzOrgInput:50000 internal/textsafe:FuzzQuote:50000 internal/mask:FuzzMask:30000 \
	services:FuzzCheckPath:50000 \
	audit:FuzzRecord:12000 internal/signed:FuzzOpen:30000 internal/markup:FuzzEscape:100000 internal/markup:FuzzLink:100000; do
	IFS=: read -r pkg name n <<<"$spec"
	n=$((n * scale))
	start=$(date +%s)
	out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "${n}x" "./$pkg" 2>&1) || { echo "$out"; exit 1; }
	printf '%-20s %-12s %8d inputs, %ss, no failure\n' "$name" "$pkg" "$n" "$(($(date +%s) - start))"
done
