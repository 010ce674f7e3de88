package credentials

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These run against the real OS keyring. scripts/test.sh runs the suite in
// a private D-Bus session with an unlocked gnome-keyring and sets
// MYAPI_TEST_REAL_KEYRING=1; elsewhere they skip rather than touch a
// developer's own keyring.
func realKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("MYAPI_TEST_REAL_KEYRING") != "1" {
		t.Skip("set MYAPI_TEST_REAL_KEYRING=1 inside scripts/with-secret-service.sh to run against a real Secret Service")
	}
}

func TestRealSecretService(t *testing.T) {
	realKeyring(t)
	ctx := context.Background()
	target := TargetForSandbox(filepath.Join(t.TempDir(), "state.db"))
	index := filepath.Join(t.TempDir(), "credentials.json") // where the profile index goes: not the user's config folder
	mk := func() *Store {
		s, err := New(Options{Target: target, Mode: ModeKeyring, Profile: "real-test", FilePath: index, Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := mk()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	// secret-tool, a different client of the same Secret Service, sees it.
	out, err := exec.Command("secret-tool", "lookup", "service", Service, "username", s.item(FieldPIN)).Output()
	if err != nil || string(out) != full.PIN {
		t.Fatalf("secret-tool lookup: %q %v", out, err)
	}
	// A new store (a new process) reads it back, token expiry included.
	if v, err := mk().Get(ctx); err != nil || v != full {
		t.Fatalf("read back %+v %v", v, err)
	}
	if st := mk().Status(ctx); st.Store != "keyring" || st.PlainText || st.Fields[2].Source != SourceKeyring {
		t.Fatalf("status %+v", st)
	}
	if err := mk().Logout(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("secret-tool", "lookup", "service", Service, "username", s.item(FieldPIN)).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Fatalf("logout left the PIN: %q", out)
	}
	if v, _ := mk().Get(ctx); v.PIN != "" {
		t.Fatal("logout left the PIN")
	}
}
