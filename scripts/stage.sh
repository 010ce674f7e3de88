# Sourced by scripts/test.sh and scripts/release.sh. `stage NAME` ends the
# previous stage (printing how long it took) and starts NAME; `stage ""`
# ends the last one.
stage_name="" stage_start=0
stage() {
	local now; now=$(date +%s)
	[ -n "$stage_name" ] && printf '   (%s: %ds)\n' "$stage_name" $((now - stage_start))
	stage_name=$1 stage_start=$now
	[ -n "$1" ] && echo "== $1"
	return 0
}
