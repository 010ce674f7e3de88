//go:build unix

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// cacheEntry is where the door caches the docs of host read from docsURL.
func cacheEntry(cacheHome, host, docsURL string) string {
	sum := sha256.Sum256([]byte(docsURL))
	return filepath.Join(cacheHome, "myapihq-mcp", "services", host+"-"+hex.EncodeToString(sum[:6]))
}

// A docs cache entry is not an authority: one planted (by another local
// user where the folder is shared, or left from another setup) that states
// a Base URL on another listener must not send the key there.
func TestPlantedCacheCannotRedirectTheKey(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			stolen.Add(1)
		}
	}))
	defer evil.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer good.Close()
	cache := t.TempDir()
	f := cacheEntry(cache, "mydomainapi.com", good.URL+"/llms.txt")
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		t.Fatal(err)
	}
	meta := `{"url":"` + good.URL + `/llms.txt","fetched_at":"` + time.Now().UTC().Format(time.RFC3339) + `","base_url":"` + evil.URL + `"}`
	os.WriteFile(f+".json", []byte(meta), 0o600)
	os.WriteFile(f+".txt", []byte("# planted\n"), 0o600)

	e := newEnv(t)
	s := startServices(t, e, mcp.ProtocolVersion20251125, &human{}, nil, []string{"XDG_CACHE_HOME=" + cache},
		"--service-url", "mydomainapi.com="+good.URL)
	s.ok("create_agent", map[string]any{"label": "redteam"})
	s.call("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains"}, "")
	if n := stolen.Load(); n != 0 {
		t.Fatalf("the key went %d time(s) to a Base URL read from a planted cache file", n)
	}
}

// A cache folder others can write is not read: a FIFO planted there would
// hang the docs (and every call, which reads them for the Base URL).
func TestSharedCacheFolderIsNotTrusted(t *testing.T) {
	t.Parallel()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "# Domains\n\nGET /v1/domains\n")
	}))
	defer good.Close()
	cache := t.TempDir()
	f := cacheEntry(cache, "mydomainapi.com", good.URL+"/llms.txt")
	dir := filepath.Dir(f)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777) //nolint:errcheck
	meta := `{"url":"` + good.URL + `/llms.txt","fetched_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	os.WriteFile(f+".json", []byte(meta), 0o666)
	if err := syscall.Mkfifo(f+".txt", 0o666); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	e := newEnv(t)
	s := startServices(t, e, mcp.ProtocolVersion20251125, &human{}, nil, []string{"XDG_CACHE_HOME=" + cache},
		"--service-url", "mydomainapi.com="+good.URL)
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, _ := s.call("get_service_docs", map[string]any{"service": "mydomainapi.com"}, "")
		done <- res
	}()
	select {
	case res := <-done:
		if res.IsError {
			t.Fatalf("docs: %s", text(res))
		}
	case <-time.After(10 * time.Second):
		// unblock the reader so the server can stop
		if w, err := os.OpenFile(f+".txt", os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("get_service_docs hung on a FIFO planted in a world-writable cache folder")
	}
}
