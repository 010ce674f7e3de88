package main

import (
	"runtime/debug"
	"strings"
)

// buildVersion is -ldflags' version, else the module version and VCS commit
// that `go install` / `go build` recorded.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
}

// versionOf names a build once: Go's pseudo-versions already carry the
// commit (v0.0.0-20260101120000-abcdef123456), so it is added only when
// the version does not.
func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 && !strings.Contains(v, s.Value[:12]) {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
