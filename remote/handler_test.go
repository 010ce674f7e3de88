package remote

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/metrics"
)

// gate is a Gate in front of next, with an HQ that accepts the key "good".
func gate(t *testing.T, next http.Handler, logs io.Writer) (*Gate, *httptest.Server) {
	t.Helper()
	hq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`[]`))
	}))
	t.Cleanup(hq.Close)
	m := metrics.New()
	g := &Gate{
		Tenants: &Tenants{NewClient: func(c hqclient.Credentials) (*hqclient.Client, error) {
			return hqclient.New(hqclient.Options{BaseURL: hq.URL, Credentials: c, MaxAttempts: 1})
		}},
		Rate: &MemoryRate{PerSecond: 1000}, Concurrency: &Concurrency{Max: 1}, Metrics: m, Log: zerolog.New(logs), Scrape: m.Handler(),
	}
	srv := httptest.NewServer(g.Handler(next))
	t.Cleanup(srv.Close)
	return g, srv
}

func post(t *testing.T, url, key, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("X-MyAPIHQ-Agent-PIN", "secret-pin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func TestGateLimitsAnswerJSONRPCErrorsWithARetryHint(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	var logs strings.Builder
	_, srv := gate(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tn, ok := TenantFrom(r.Context()); !ok || tn.Hash != Hash("good") {
			t.Error("no tenant in the request context")
		}
		close(entered)
		<-release
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
	}), &logs)
	done := make(chan struct{})
	go func() {
		defer close(done)
		post(t, srv.URL+"/mcp", "good", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_orgs"}}`)
	}()
	<-entered
	res, body := post(t, srv.URL+"/mcp", "good", `{"jsonrpc":"2.0","id":"second","method":"tools/call","params":{"name":"list_orgs"}}`)
	close(release)
	<-done
	var v struct {
		ID    string `json:"id"`
		Error struct {
			Code int `json:"code"`
			Data struct {
				Reason       string `json:"reason"`
				RetryAfterMs int64  `json:"retryAfterMs"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID != "second" || v.Error.Code != CodeLimited ||
		v.Error.Data.Reason != "concurrency" || v.Error.Data.RetryAfterMs <= 0 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("over the concurrency limit: %d %s (Retry-After %q)", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	if strings.Contains(logs.String(), "good") || strings.Contains(logs.String(), "secret-pin") {
		t.Errorf("a credential in the logs:\n%s", logs.String())
	}
}

func TestGateAuthDrainAndStreams(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	g, srv := gate(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), &logs)
	for _, key := range []string{"", "wrong"} {
		res, _ := post(t, srv.URL+"/mcp", key, `{}`)
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("key %q: %d %q", key, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	}
	res, err := http.Get(srv.URL + "/mcp")
	if err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("stateless GET stream: %v %v", err, res.StatusCode)
	}
	status := func(path string) int {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if status("/readyz") != 200 || status("/healthz") != 200 || status("/metrics") != 200 {
		t.Fatal("not ready at start")
	}
	g.Drain()
	if status("/readyz") != http.StatusServiceUnavailable || status("/healthz") != 200 {
		t.Error("/readyz must turn false at once on drain, /healthz stay true")
	}
	g.draining.Store(false)
	g.Ready = func(context.Context) error { return errors.New("redis: connection refused") }
	if status("/readyz") != http.StatusServiceUnavailable {
		t.Error("/readyz true with Redis unreachable")
	}
}
