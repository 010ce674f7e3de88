package services

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

const testKey = "hq_live_TESTKEYTESTKEYTESTKEY12345"

type stub struct {
	*httptest.Server
	mu       sync.Mutex
	docs     string
	docsHits atomic.Int32
	notMod   atomic.Int32
	seen     []*http.Request
}

func newStub(t *testing.T, docs string, h http.HandlerFunc) *stub {
	s := &stub{docs: docs}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Clone(context.Background()))
		s.mu.Unlock()
		if r.URL.Path == "/llms.txt" {
			s.docsHits.Add(1)
			if r.Header.Get("Authorization") != "" {
				t.Errorf("the key went to the docs")
			}
			if r.Header.Get("If-None-Match") == `"v1"` {
				s.notMod.Add(1)
				w.WriteHeader(304)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			io.WriteString(w, s.docs)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func newDoor(t *testing.T, s *stub, now *time.Time, log io.Writer) *Door {
	t.Helper()
	d, err := New(Options{
		Overrides: map[string]string{"mydomainapi.com": s.URL},
		CacheDir:  t.TempDir(),
		Transport: s.Client().Transport,
		Secrets: func(context.Context) (Secrets, error) {
			return Secrets{APIKey: testKey, Mask: []mask.Secret{{Kind: mask.PIN, Value: "thePINthePINthePIN"}}}, nil
		},
		Now:       func() time.Time { return *now },
		Log:       zerolog.New(log),
		RetryBase: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDocsCache: a second read within a day never reaches the service;
// after a day it revalidates with the ETag.
func TestDocsCache(t *testing.T) {
	t.Parallel()
	s := newStub(t, "# Domains\nBase URL: "+"https://127.0.0.1/api\n", nil)
	now := time.Unix(1_800_000_000, 0)
	d := newDoor(t, s, &now, io.Discard)
	ctx := context.Background()
	doc, err := d.Docs(ctx, "mydomainapi.com")
	if err != nil || doc.Source != "fetched" {
		t.Fatalf("%+v %v", doc, err)
	}
	if doc, _ = d.Docs(ctx, "mydomainapi.com"); doc.Source != "cache" || s.docsHits.Load() != 1 {
		t.Fatalf("second read: %s, %d fetches", doc.Source, s.docsHits.Load())
	}
	now = now.Add(DocsTTL + time.Minute)
	if doc, _ = d.Docs(ctx, "mydomainapi.com"); doc.Source != "revalidated" || s.notMod.Load() != 1 {
		t.Fatalf("after a day: %s, %d 304s", doc.Source, s.notMod.Load())
	}
	if doc, _ = d.Docs(ctx, "mydomainapi.com"); doc.Source != "cache" || s.docsHits.Load() != 2 {
		t.Fatalf("after revalidation: %s, %d fetches", doc.Source, s.docsHits.Load())
	}
	if !slices.ContainsFunc(d.List(), func(e Entry) bool { return e.Service == "mydomainapi.com" && e.DocsCached }) {
		t.Fatal("list_services does not say the docs are cached")
	}
	s.Close() // stale copy when the service is gone
	now = now.Add(2 * DocsTTL)
	if doc, err = d.Docs(ctx, "mydomainapi.com"); err != nil || doc.Source != "stale" {
		t.Fatalf("service down: %+v %v", doc, err)
	}
}

// TestCallThroughTheDoor: the key is added, the Base URL of the docs is
// used, answers are masked, and the log has no query values.
func TestCallThroughTheDoor(t *testing.T) {
	t.Parallel()
	s := newStub(t, "", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/echo":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"auth":"`+r.Header.Get("Authorization")+`","minted":"hq_live_MINTEDMINTED","escaped":"\u0068q_live_ESCAPEDESC","q":"`+r.URL.RawQuery+`"}`)
		case "/api/v2/text":
			w.Header().Set("Content-Type", "text/plain")
			w.Write(bytes.Repeat([]byte("x"), MaxAnswer+10))
		case "/api/v2/jump":
			http.Redirect(w, r, "https://example.com/x", http.StatusFound)
		case "/api/v2/same":
			http.Redirect(w, r, "/api/v2/echo", http.StatusFound)
		case "/api/v2/flaky":
			w.WriteHeader(503)
		case "/api/v2/replayed":
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"sent":true}`)
		default:
			w.WriteHeader(404)
		}
	})
	s.docs = "# x\n- **Base URL:** " + s.URL + "/api/v2\n"
	now := time.Unix(1_800_000_000, 0)
	var logs bytes.Buffer
	var mu sync.Mutex
	d := newDoor(t, s, &now, lockedWriter{&mu, &logs})
	ctx := context.Background()

	a, err := d.Call(ctx, Request{Service: "mydomainapi.com", Method: "GET", Path: "/echo", Query: map[string]any{"secretq": "querysecretvalue"}})
	if err != nil || a.Status != 200 {
		t.Fatalf("%+v %v", a, err)
	}
	m := a.JSON.(map[string]any)
	if m["auth"] == "Bearer "+testKey || strings.Contains(m["auth"].(string), "TESTKEY") {
		t.Fatalf("key in the answer: %v", m)
	}
	if strings.Contains(m["minted"].(string), "MINTED") || strings.Contains(m["escaped"].(string), "ESCAPEDESC") {
		t.Fatalf("minted key not masked: %v", m)
	}
	s.mu.Lock()
	last := s.seen[len(s.seen)-1]
	s.mu.Unlock()
	if last.Header.Get("Authorization") != "Bearer "+testKey || last.URL.Path != "/api/v2/echo" {
		t.Fatalf("request: %s %v", last.URL, last.Header)
	}

	if a, _ = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "GET", Path: "/text"}); !a.Cut || len(a.Text) != MaxAnswer {
		t.Fatalf("text answer: cut=%v len=%d", a.Cut, len(a.Text))
	}
	var re *RuleError
	if _, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "GET", Path: "/jump"}); !errors.As(err, &re) {
		t.Fatalf("redirect to another host followed: %v", err)
	}
	if _, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "POST", Path: "/same", IdemKey: "k1"}); !errors.As(err, &re) {
		t.Fatalf("a write followed a redirect: %v", err)
	}
	if a, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "GET", Path: "/same"}); err != nil || a.Status != 200 {
		t.Fatalf("same-host redirect on a read: %+v %v", a, err)
	}
	if _, err = d.Call(ctx, Request{Service: "myapihq.com", Method: "GET", Path: "/hq/orgs"}); !errors.As(err, &re) || !strings.Contains(err.Error(), "list_orgs") {
		t.Fatalf("hub call: %v", err)
	}
	if a, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "POST", Path: "/flaky", IdemKey: "idem-1"}); err != nil || a.Status != 503 || a.Attempts != 3 {
		t.Fatalf("flaky: %+v %v", a, err)
	}
	s.mu.Lock()
	var keys []string
	for _, r := range s.seen {
		if r.URL.Path == "/api/v2/flaky" {
			keys = append(keys, r.Header.Get("Idempotency-Key"))
		}
	}
	s.mu.Unlock()
	if len(keys) != 3 || keys[0] != "idem-1" || keys[2] != "idem-1" {
		t.Fatalf("retries' keys: %v", keys)
	}
	// A write the service answers from its idempotency record says so; a
	// read cannot be a replay, whatever the header.
	if a, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "POST", Path: "/replayed", IdemKey: "idem-2"}); err != nil || !a.Replayed {
		t.Fatalf("replayed write: %+v %v", a, err)
	}
	if a, err = d.Call(ctx, Request{Service: "mydomainapi.com", Method: "GET", Path: "/replayed"}); err != nil || a.Replayed {
		t.Fatalf("a read marked replayed: %+v %v", a, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if l := logs.String(); strings.Contains(l, "querysecretvalue") || strings.Contains(l, "TESTKEY") || !strings.Contains(l, `"path":"/api/v2/echo"`) {
		t.Fatalf("log:\n%s", l)
	}
}

// TestBaseURLOnlyOnTheSameDomain: docs cannot send calls (and the key)
// elsewhere.
func TestBaseURLOnlyOnTheSameDomain(t *testing.T) {
	t.Parallel()
	d, _ := New(Options{CacheDir: t.TempDir()})
	for stated, want := range map[string]string{
		"https://api.mydomainapi.com/v1":        "https://api.mydomainapi.com/v1",
		"https://mydomainapi.com":               "https://mydomainapi.com",
		"https://evil.com":                      "",
		"https://mydomainapi.com.evil.com":      "",
		"https://evilmydomainapi.com":           "",
		"http://api.mydomainapi.com":            "",
		"https://u:p@api.mydomainapi.com":       "",
		"https://api.mydomainapi.com/a/../../x": "",
	} {
		if got := d.baseFromDocs("mydomainapi.com", stated); got != want {
			t.Errorf("Base URL %s: got %q, want %q", stated, got, want)
		}
	}
	if got := d.APIBase("myemailapi.com"); got != "https://api.myemailapi.com" {
		t.Errorf("default base %s", got)
	}
}

// TestSandboxPlaysTheCatalog: the sandbox stands in for exactly the
// catalog's hosts.
func TestSandboxPlaysTheCatalog(t *testing.T) {
	t.Parallel()
	if !slices.Equal(sandbox.ServiceHosts, Hosts()) {
		t.Fatalf("sandbox %v, catalog %v", sandbox.ServiceHosts, Hosts())
	}
}

func TestSlice(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("héllo wörld\n", 3000)
	var got strings.Builder
	off := 0
	for i := 0; ; i++ {
		p, err := Slice(text, off, 1000)
		if err != nil || len(p.Text) > 1000 {
			t.Fatalf("%v %d", err, len(p.Text))
		}
		got.WriteString(p.Text)
		if p.NextOffset == 0 {
			break
		}
		off = p.NextOffset
	}
	if got.String() != text {
		t.Fatal("pages do not add up to the document")
	}
	if _, err := Slice(text, len(text)+1, 10); err == nil {
		t.Fatal("offset past the end accepted")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestDocsCacheFiles: the cache is private (0700 folder, 0600 files) and
// keeps at most 1 MiB.
func TestDocsCacheFiles(t *testing.T) {
	t.Parallel()
	s := newStub(t, strings.Repeat("y", MaxDocs+100), nil)
	now := time.Unix(1_800_000_000, 0)
	d := newDoor(t, s, &now, io.Discard)
	d.docs.dir = filepath.Join(t.TempDir(), "cache")
	doc, err := d.Docs(context.Background(), "mydomainapi.com")
	if err != nil || !doc.Cut || len(doc.Text) != MaxDocs {
		t.Fatalf("%v cut=%v len=%d", err, doc.Cut, len(doc.Text))
	}
	if fi, _ := os.Stat(d.docs.dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache folder %v", fi.Mode())
	}
	entries, _ := os.ReadDir(d.docs.dir)
	if len(entries) != 2 {
		t.Fatalf("cache: %v", entries)
	}
	for _, e := range entries {
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s is %v", e.Name(), fi.Mode())
		}
	}
}

func TestBaseLineForms(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"Base URL: https://api.x.com", "## Base URL: https://api.x.com", "- **Base URL:** https://api.x.com",
		"> base url: <https://api.x.com>", "Base URL: `https://api.x.com`"} {
		if m := baseLine().FindStringSubmatch("intro\n" + line + "\n"); m == nil || m[1] != "https://api.x.com" {
			t.Errorf("%q: %v", line, m)
		}
	}
}

// TestHangingService: an attempt is bounded, and a service that never
// answers comes back as a NetworkError (ambiguous for a write).
func TestHangingService(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := newStub(t, "", func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	now := time.Unix(1_800_000_000, 0)
	d := newDoor(t, s, &now, io.Discard)
	d.opts.Timeout = 50 * time.Millisecond
	_, err := d.Call(context.Background(), Request{Service: "mydomainapi.com", Method: "POST", Path: "/x", IdemKey: "k"})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Attempts != 3 {
		t.Fatalf("%v", err)
	}
}

// A cache folder that is a symlink (planted where the folder should be) is
// not written through: the docs are kept in memory instead, and still cached.
func TestDocsCacheNotThroughASymlink(t *testing.T) {
	t.Parallel()
	s := newStub(t, "# Domains\n", nil)
	now := time.Unix(1_800_000_000, 0)
	d := newDoor(t, s, &now, io.Discard)
	elsewhere := t.TempDir()
	d.docs.dir = filepath.Join(t.TempDir(), "cache")
	if err := os.Symlink(elsewhere, d.docs.dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Docs(ctx, "mydomainapi.com"); err != nil {
		t.Fatal(err)
	}
	if doc, _ := d.Docs(ctx, "mydomainapi.com"); doc.Source != "cache" || s.docsHits.Load() != 1 {
		t.Fatalf("second read: %s, %d fetches", doc.Source, s.docsHits.Load())
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Fatalf("written through the symlink: %v", entries)
	}
}

// With an override, a stated Base URL must be the override's own listener:
// another port on loopback may be another local user's.
func TestBaseURLOverrideSameListener(t *testing.T) {
	t.Parallel()
	d, err := New(Options{CacheDir: t.TempDir(), Overrides: map[string]string{"mydomainapi.com": "http://127.0.0.1:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	for stated, want := range map[string]string{
		"http://127.0.0.1:8080/api/v2": "http://127.0.0.1:8080/api/v2",
		"http://127.0.0.1:8081/api":    "",
		"http://127.0.0.1/api":         "",
		"https://127.0.0.1:8080":       "",
	} {
		if got := d.baseFromDocs("mydomainapi.com", stated); got != want {
			t.Errorf("Base URL %s: got %q, want %q", stated, got, want)
		}
	}
}
