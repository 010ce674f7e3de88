package services

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// A replica of the multi-tenant mode runs on a read-only root filesystem
// and serves many tenants: its docs cache lives in memory, one copy shared
// by every tenant, fetched without a key and masked per caller on the way
// out (the cache holds the service's text, never a tenant's secret).
func TestMemoryCacheWritesNothingAndIsSharedSafely(t *testing.T) {
	t.Parallel()
	s := newStub(t, "# Domains\nfor "+testKey+" and hq_live_OTHERTENANTKEY0000\n", nil)
	dir := t.TempDir()
	caller := map[string]string{}
	d, err := New(Options{
		Overrides:   map[string]string{"mydomainapi.com": s.URL},
		CacheDir:    dir,
		MemoryCache: true,
		Transport:   s.Client().Transport,
		Secrets: func(ctx context.Context) (Secrets, error) {
			k := caller[ctx.Value(callerKey{}).(string)]
			return Secrets{APIKey: k}, nil
		},
		Log: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	caller["a"], caller["b"] = testKey, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	ctxA := context.WithValue(context.Background(), callerKey{}, "a")
	ctxB := context.WithValue(context.Background(), callerKey{}, "b")
	if doc, err := d.Docs(ctxA, "mydomainapi.com"); err != nil || doc.Source != "fetched" {
		t.Fatalf("%+v %v", doc, err)
	}
	doc, err := d.Docs(ctxB, "mydomainapi.com")
	if err != nil || doc.Source != "cache" || s.docsHits.Load() != 1 {
		t.Fatalf("second tenant: %+v %v, %d fetches", doc, err, s.docsHits.Load())
	}
	if !strings.Contains(doc.Text, testKey) {
		t.Fatal("the cache should hold the service's text as fetched (masked per caller on the way out)")
	}
	if got := d.MaskText(ctxB, doc.Text); strings.Contains(got, testKey) || strings.Contains(got, "OTHERTENANTKEY") {
		t.Errorf("a key-shaped string reached tenant b: %s", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the memory cache wrote %v", entries)
	}
}

type callerKey struct{}

// A home folder that cannot be written (a read-only root filesystem) keeps
// the docs cache in memory instead of fetching on every read.
func TestUnwritableCacheFolderFallsBackToMemory(t *testing.T) {
	t.Parallel()
	s := newStub(t, "# Domains\n", nil)
	now := time.Unix(1_800_000_000, 0)
	d := newDoor(t, s, &now, os.Stderr)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d.docs.dir = filepath.Join(file, "cache") // under a file: not even root can make it
	for i := 0; i < 3; i++ {
		if _, err := d.Docs(context.Background(), "mydomainapi.com"); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.docsHits.Load(); n != 1 {
		t.Errorf("%d fetches for three reads: the cache did not hold", n)
	}
}

func TestEveryServiceOverride(t *testing.T) {
	t.Parallel()
	got, err := ParseOverrides([]string{"*=http://127.0.0.1:9/_services/", "mydomainapi.com=https://staging.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got["mydomainapi.com"] != "https://staging.example" || got["myemailapi.com"] != "http://127.0.0.1:9/_services/myemailapi.com" ||
		got["myapihq.com"] != "http://127.0.0.1:9/_services/myapihq.com" || len(got) != len(Hosts()) {
		t.Errorf("%v", got)
	}
	// the named entry wins whatever its place
	got, _ = ParseOverrides([]string{"mydomainapi.com=https://staging.example,*=https://sb.example"})
	if got["mydomainapi.com"] != "https://staging.example" {
		t.Errorf("%v", got)
	}
	for _, bad := range []string{"*=http://10.0.0.1/_services", "*=https://u:p@x", "*=https://x/?a=b", "**=https://x"} {
		if _, err := ParseOverrides([]string{bad}); err == nil {
			t.Errorf("override %q accepted", bad)
		}
	}
}
