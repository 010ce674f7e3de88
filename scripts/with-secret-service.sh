#!/usr/bin/env bash
# with-secret-service.sh CMD [ARGS...]
# Runs CMD inside a private D-Bus session with an unlocked gnome-keyring in a
# throw-away directory, so real-keyring tests never touch a developer's own
# keyring. Installs the Debian packages it needs when missing.
# Exit: CMD's status; 2 usage; 3 setup failure.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

if [ "${WSS_INNER:-}" != 1 ]; then
	missing=()
	for pkg in dbus-daemon dbus-bin gnome-keyring libsecret-tools; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		command -v apt-get >/dev/null || { echo "missing ${missing[*]} and no apt-get" >&2; exit 3; }
		sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
		echo "installing ${missing[*]} for the real-keyring tests" >&2
		$sudo apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	# No DISPLAY: with one, a locked keyring opens a prompt and hangs the test.
	exec env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS WSS_INNER=1 \
		dbus-run-session -- bash "$0" "$@"
fi

dir=$(mktemp -d)
mkdir -p "$dir/data" "$dir/run"
chmod 700 "$dir/run"
daemon=
cleanup() { [ -z "$daemon" ] || { kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; }; rm -rf "$dir"; }
trap cleanup EXIT

owned() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}

# start_daemon PASSWORD: --foreground, so the daemon owns org.freedesktop.secrets
# before we go on; `--unlock` alone forks early and races D-Bus activation of
# a second daemon.
start_daemon() {
	printf %s "$1" | XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" \
		gnome-keyring-daemon --foreground --unlock --components=secrets >>"$dir/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 200); do owned && return 0; sleep 0.05; done
	echo "gnome-keyring did not start:" >&2
	cat "$dir/daemon.log" >&2
	exit 3
}

password=${WSS_KEYRING_PASSWORD:-ci-keyring}
start_daemon "$password"
if [ "${WSS_LOCKED:-}" = 1 ]; then
	# A login keyring that exists but will not open: restart the daemon with
	# another password. Without a DISPLAY its unlock prompt fails at once.
	kill "$daemon"; wait "$daemon" 2>/dev/null || true
	while owned; do sleep 0.05; done
	start_daemon "not-$password"
fi

set +e
MYAPI_TEST_REAL_KEYRING=1 "$@"
rc=$?
set -e
exit $rc
