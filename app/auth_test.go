package app

import (
	"context"
	"errors"
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
	cfg := Config{Sandbox: true, SandboxConfig: SandboxConfig{State: filepath.Join(t.TempDir(), "sandbox.db")}, CredentialStore: "file", Profile: "default"}
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

// TestLogoutAsksAtATerminal: at a terminal, logout asks (saying the PIN
// cannot be recovered and how to back it up) and deletes only on yes;
// elsewhere it needs --yes and says so, as a configuration error.
func TestLogoutAsksAtATerminal(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		answer   string
		terminal bool
		yes      bool
		deleted  bool
	}{
		{"n\n", true, false, false},
		{"", true, false, false}, // end of input: no
		{"yes\n", true, false, true},
		{"Y\n", true, false, true},
		{"yes\n", false, false, false}, // not a terminal: no question is asked
		{"", false, true, true},
	} {
		cfg := authConfig(t)
		var out, errs strings.Builder
		err := AuthLogout(ctx, cfg, c.yes, IO{In: strings.NewReader(c.answer), Out: &out, Err: &errs, InTerminal: c.terminal})
		s, _, _ := openStore(cfg, nil)
		v, _ := s.Stored(ctx)
		if deleted := v.PIN == ""; deleted != c.deleted || (err == nil) != c.deleted {
			t.Errorf("%+v: deleted %v, err %v\nstdout: %s\nstderr: %s", c, deleted, err, out.String(), errs.String())
		}
		var ce ConfigError
		if !c.terminal && !c.yes && (!errors.As(err, &ce) || !strings.Contains(err.Error(), "--yes")) {
			t.Errorf("%+v: want a configuration error naming --yes, got %v", c, err)
		}
		if c.terminal && !c.yes {
			asked := errs.String()
			if !strings.Contains(asked, "PIN cannot be recovered") || !strings.Contains(asked, "auth export --out FILE --sandbox --sandbox-state "+cfg.SandboxConfig.State) {
				t.Errorf("%+v: the question: %q", c, asked)
			}
		}
	}
}
