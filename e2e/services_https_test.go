package e2e

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestServicesHTTPSStub: the live-mode path through --service-url: a TLS
// stub on loopback (its certificate trusted through SSL_CERT_FILE), the
// Base URL its llms.txt states, the key added, redirects refused.
func TestServicesHTTPSStub(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var auths []string
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a redirect was followed to another host: %s %s (auth %q)", r.Method, r.URL, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	var stub *httptest.Server
	stub = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path != "/llms.txt" {
			auths = append(auths, r.Header.Get("Authorization"))
		}
		mu.Unlock()
		switch r.URL.Path {
		case "/llms.txt":
			io.WriteString(w, "# Domains (stub)\n\n## Base URL: "+stub.URL+"/api/v7\n\nGET /domains lists domains.\n")
		case "/api/v7/domains":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"domains":["example.com"],"tls":`+map[bool]string{true: "true", false: "false"}[r.TLS != nil]+
				`,"new_key":"hq_live_abcdefghijklmnopqrstuvwxyz234567"}`)
		case "/api/v7/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/api/v7/create":
			http.Redirect(w, r, "/api/v7/domains", http.StatusTemporaryRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	defer stub.Close()
	certFile := filepath.Join(t.TempDir(), "stub.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: stub.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t)
	s := startServices(t, e, mcp.ProtocolVersion20251125, &human{}, nil,
		[]string{"XDG_CACHE_HOME=" + t.TempDir(), "SSL_CERT_FILE=" + certFile}, "--service-url", "mydomainapi.com="+stub.URL)
	s.ok("create_agent", map[string]any{"label": "stub"})
	key := secretsOf(t, e)["MYAPI_API_KEY"]

	docs := s.ok("get_service_docs", map[string]any{"service": "mydomainapi.com"})
	if docs["api_base"] != stub.URL+"/api/v7" {
		t.Fatalf("Base URL not taken from llms.txt: %v", docs)
	}
	got := s.ok("service_get", map[string]any{"service": "mydomainapi.com", "path": "/domains"})
	if got["tls"] != true || strings.Contains(got["new_key"].(string), "abcdefghij") {
		t.Fatalf("service_get: %v", got)
	}
	if msg := s.fails("service_get", map[string]any{"service": "mydomainapi.com", "path": "/away"}); !strings.Contains(msg, "redirect") {
		t.Fatalf("cross-host redirect: %s", msg)
	}
	if msg := s.fails("service_write", map[string]any{"service": "mydomainapi.com", "method": "POST", "path": "/create"}); !strings.Contains(msg, "never follow redirects") {
		t.Fatalf("write redirect: %s", msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auths) != 3 {
		t.Fatalf("%d calls reached the stub: %v", len(auths), len(auths))
	}
	for _, a := range auths {
		if a != "Bearer "+key {
			t.Fatal("a call reached the stub without the profile's key")
		}
	}
	scan := newScanner()
	scan.secret("api key", key)
	scan.secret("minted key", "hq_live_abcdefghijklmnopqrstuvwxyz234567")
	scan.text("stderr", s.stderr.String())
	s.mu.Lock()
	scan.text("results", strings.Join(s.results, "\n"))
	s.mu.Unlock()
	scan.check(t)

	// A plain http:// override off loopback is refused at start.
	_, errs, code := cli(t, e, "stdio", "--sandbox", "--sandbox-state", e.state, "--service-url", "mydomainapi.com=http://example.com")
	if code == 0 || !strings.Contains(errs, "https") {
		t.Fatalf("http override accepted: %d %s", code, errs)
	}
}
