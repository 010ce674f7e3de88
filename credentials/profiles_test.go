package credentials

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestProfilesAndHoldersOfAKey: the profiles of one service are listed
// whichever store holds them (a keyring cannot list its items), and the
// ones that hold the same API key are named; another service's are not.
func TestProfilesAndHoldersOfAKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	kr := newFake()
	file := filepath.Join(t.TempDir(), "cfg", "credentials.json")
	open := func(profile, target, mode string) *Store {
		s, err := New(Options{Profile: profile, Target: target, Mode: mode, Provider: kr, FilePath: file, Timeout: 200 * time.Millisecond,
			Getenv: func(k string) string {
				if k == "MYAPI_API_KEY" {
					return "hq_live_fromtheenvironment" // an override is not what a profile holds
				}
				return ""
			}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const svc, other = "https://api.example.test", "sandbox:/tmp/x.db"
	key := "hq_live_sharedsharedsharedshared"
	for _, c := range []struct {
		profile, target, mode, key string
	}{
		{"default", svc, ModeKeyring, key},
		{"p2", svc, ModeKeyring, key},
		{"p3", svc, ModeKeyring, "hq_live_anotheranotheranother00"},
		{"legacy", svc, ModeFile, key}, // in the file: found there
		{"elsewhere", other, ModeKeyring, key},
	} {
		if err := open(c.profile, c.target, c.mode).Save(ctx, Values{AccountID: "acct_1", PIN: "pin-0123456789abcdef", APIKey: c.key}); err != nil {
			t.Fatal(err)
		}
	}
	// The file store's profile is found without the index, as one stored
	// before the index existed would be.
	if err := os.Remove(filepath.Join(filepath.Dir(file), "profiles.json")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"default", "p2", "p3"} {
		open(p, svc, ModeKeyring).index(false)
	}

	p2 := open("p2", svc, ModeKeyring)
	if got := p2.Profiles(ctx); !slices.Equal(got, []string{"default", "legacy", "p2", "p3"}) {
		t.Fatalf("profiles %v", got)
	}
	if got := p2.HoldersOf(ctx, key); !slices.Equal(got, []string{"default", "legacy"}) {
		t.Fatalf("holders of the key %v", got)
	}
	if got := p2.HoldersOf(ctx, "hq_live_fromtheenvironment"); len(got) != 0 {
		t.Fatalf("an override counted as a stored key: %v", got)
	}
	if err := open("default", svc, ModeKeyring).Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p2.HoldersOf(ctx, key); !slices.Equal(got, []string{"legacy"}) {
		t.Fatalf("after logout: %v", got)
	}
	if got := p2.Profiles(ctx); slices.Contains(got, "default") {
		t.Fatalf("a logged-out profile is still listed: %v", got)
	}
	if fi, err := os.Stat(filepath.Join(filepath.Dir(file), "profiles.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("index: %v %v", fi, err)
	}
}
