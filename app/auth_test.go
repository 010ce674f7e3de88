package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/credentials"
)

// authConfig is a profile with a PIN in a file store under a temporary
// config home (so these tests do not run in parallel).
func authConfig(t *testing.T) Config {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cfg := Config{Sandbox: true, SandboxState: filepath.Join(t.TempDir(), "sandbox.db"), CredentialStore: "file", Profile: "default"}
	s, _, err := openStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(context.Background(), credentials.Values{AccountID: "acct_1", PIN: "pin-0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestExportNoteOnlyWhenSecretsLeaveTheTerminal: secrets printed to a
// terminal are seen, not saved: no note. To anything else, a note on
// stderr; a masked export needs none.
func TestExportNoteOnlyWhenSecretsLeaveTheTerminal(t *testing.T) {
	cfg := authConfig(t)
	for _, c := range []struct {
		show, terminal, note bool
	}{{true, true, false}, {true, false, true}, {false, false, false}} {
		var out, errs strings.Builder
		if err := AuthExport(context.Background(), cfg, ExportOptions{ShowSecrets: c.show}, IO{Out: &out, Err: &errs, OutTerminal: c.terminal}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(errs.String(), "--out"); got != c.note {
			t.Errorf("show-secrets %v, terminal %v: note %v, want %v: %q", c.show, c.terminal, got, c.note, errs.String())
		}
		if c.show != strings.Contains(out.String(), "pin-0123456789abcdef") {
			t.Errorf("show-secrets %v:\n%s", c.show, out.String())
		}
	}
}
