//go:build unix

package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// A cache folder others can write is not read: a FIFO planted there would
// hang the docs (and every call, which reads them for the Base URL).
func TestRedteamSharedCacheFolderIsNotTrusted(t *testing.T) {
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
