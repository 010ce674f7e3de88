package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionNamesTheCommitOnce: a pseudo-version already holds the commit.
func TestVersionNamesTheCommitOnce(t *testing.T) {
	t.Parallel()
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "abcdef1234567890abcdef1234567890abcdef12"}
	for main, want := range map[string]string{
		"v0.0.0-20261129144600-abcdef123456+dirty": "v0.0.0-20261129144600-abcdef123456+dirty",
		"(devel)": "dev (abcdef123456)",
		"v1.2.3":  "v1.2.3 (abcdef123456)",
	} {
		got := versionOf(&debug.BuildInfo{Main: debug.Module{Version: main}, Settings: []debug.BuildSetting{rev}})
		if got != want || strings.Count(got, "abcdef123456") != 1 {
			t.Errorf("%s: got %q, want %q", main, got, want)
		}
	}
}
