package e2e

// /metrics in the multi-tenant mode: every label value comes from a set
// the server defines, so no tenant can write its text there (to be read
// by whoever scrapes, or to grow the series without end); the endpoint
// can be protected with a token, or moved to its own listener.

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// scrape reads url's /metrics with the given bearer ("" for none).
func scrape(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// ourSeries are the lines of the server's own series (not Go's).
func ourSeries(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "myapihq_mcp_") {
			out = append(out, line)
		}
	}
	return out
}

// TestMetricsCarryNoTenantText: a tenant answers consent questions (on
// any tool) with actions of its own — 200,000 characters, a newline and a
// forged series, hundreds of distinct values — and calls tools that do not
// exist. /metrics shows none of that text, and its series stay as many as
// before the flood.
func TestMetricsCarryNoTenantText(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t)
	c := &cluster{t: t, sandbox: sb.baseURL, hqURL: sb.baseURL}
	r := c.startReplica("r1")
	tn := c.onboard("hostile")
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", r.port)

	answer := func(tool, action string) {
		postModern(t, nil, r.url(), tn.headers(), modernToolCall(1, tool, map[string]any{}, "", map[string]any{"action": action, "content": map[string]any{"confirm": true}}))
	}
	call := func(tool string) {
		postModern(t, nil, r.url(), tn.headers(), modernToolCall(1, tool, map[string]any{}, "", nil))
	}
	hostile := func(i int) {
		action := fmt.Sprintf("h0stile-%d-%s", i, randid.Hex(4))
		switch i % 4 {
		case 0:
			action = "h0stile" + strings.Repeat("A", 200_000)
		case 1:
			action = "h0stile\nmyapihq_mcp_tool_calls_total{outcome=\"ok\",tool=\"forged\"} 1e9\n#"
		}
		answer([]string{"get_balance", "list_orgs", "whoami"}[i%3], action)
		call(fmt.Sprintf("h0stile_tool_%d_%s", i, randid.Hex(4)))
	}
	// Every kind once: the series a legitimate run and one of each
	// hostile request make.
	call("get_balance")
	answer("get_balance", "accept")
	answer("get_balance", "decline")
	answer("get_balance", "cancel")
	for i := range 4 {
		hostile(i)
	}
	_, before := scrape(t, metricsURL, "")
	for i := 4; i < 400; i++ {
		hostile(i)
	}
	status, after := scrape(t, metricsURL, "")
	n0, n1 := len(ourSeries(before)), len(ourSeries(after))
	t.Logf("/metrics: %d series, %d bytes after 4 hostile requests; %d series, %d bytes after 400", n0, len(before), n1, len(after))
	if status != http.StatusOK {
		t.Fatalf("/metrics without a token, by default: %d", status)
	}
	if strings.Contains(after, "h0stile") || strings.Contains(after, "forged") {
		i := strings.Index(after, "h0stile")
		t.Errorf("/metrics carries a tenant's text: …%s…", after[max(0, i-80):min(len(after), i+80)])
	}
	if n1 != n0 {
		t.Errorf("396 more hostile requests grew /metrics from %d to %d series", n0, n1)
	}
	if len(after) > 64<<10 {
		t.Errorf("/metrics is %d bytes", len(after))
	}
	for _, want := range []string{`myapihq_mcp_consent_total{outcome="invalid"}`, `myapihq_mcp_consent_total{outcome="accept"}`,
		`myapihq_mcp_consent_total{outcome="decline"}`, `myapihq_mcp_tool_calls_total{outcome="ok",tool="get_balance"}`} {
		if !strings.Contains(after, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestMetricsCanBeProtected: --metrics-token (MYAPI_METRICS_TOKEN) makes
// /metrics need its bearer; --metrics-addr serves it on a listener of its
// own, and not beside /mcp.
func TestMetricsCanBeProtected(t *testing.T) {
	t.Parallel()
	token := randid.Hex(32)
	sb := startSandbox(t)
	for _, tc := range []struct {
		name      string
		separate  bool
		withToken bool
	}{{"token", false, true}, {"own listener", true, false}, {"own listener and token", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			port, metricsPort := freePort(t), freePort(t)
			args := []string{"http", "--multi-tenant", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--base-url", sb.baseURL}
			if tc.separate {
				args = append(args, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", metricsPort))
			} else {
				metricsPort = port
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
			if tc.withToken {
				cmd.Env = append(cmd.Env, "MYAPI_METRICS_TOKEN="+token)
			}
			log := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = log, log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			waitFor(t, 20*time.Second, "ready", func() bool { return httpOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", port)) })
			at := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
			waitFor(t, 10*time.Second, "the metrics listener", func() bool {
				res, err := http.Get(at)
				if err == nil {
					res.Body.Close()
				}
				return err == nil
			})
			want := http.StatusOK
			if tc.withToken {
				want = http.StatusUnauthorized
			}
			for _, bearer := range []string{"", "wrong" + token[5:], token[:len(token)-1]} {
				if status, _ := scrape(t, at, bearer); status != want {
					t.Errorf("bearer %.8q…: %d, want %d", bearer, status, want)
				}
			}
			if status, body := scrape(t, at, token); status != http.StatusOK || !strings.Contains(body, "myapihq_mcp_tool_calls_in_flight") {
				t.Errorf("with the token: %d", status)
			}
			if tc.separate {
				if status, _ := scrape(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port), token); status == http.StatusOK {
					t.Error("/metrics is still served beside /mcp")
				}
			}
			if strings.Contains(log.String(), token) {
				t.Error("the metrics token is in the log")
			}
		})
	}
}

// TestMetricsAddNoPackageInitsToStart: /metrics is the remote mode's, but
// every package linked runs its initialisers on every start, stdio
// included. The Prometheus client library's (with protobuf, procfs,
// runtime/metrics and expvar) cost ~1.3 ms of a cold start; none of them
// may run (docs/dependencies.md).
func TestMetricsAddNoPackageInitsToStart(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	heavy := regexp.MustCompile(`^init (\S*(prometheus|protobuf|procfs)\S*|expvar|runtime/metrics) `)
	inits := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "init ") {
			inits++
		}
		if heavy.MatchString(line) {
			t.Errorf("runs at every start: %s", line)
		}
	}
	if inits == 0 {
		t.Fatalf("GODEBUG=inittrace=1 traced no init:\n%s", out)
	}
}
