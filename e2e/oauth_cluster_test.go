package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
)

// browserClients finds the pinned playwright-core and TypeScript SDK that
// scripts/browser/run.sh installs, and Debian's Chromium.
func browserClients(t *testing.T) (dir, chromium string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("SKIP: no Chromium (apt-get install chromium; scripts/test.sh does)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("SKIP: no node")
	}
	return npmPackages(t, "scripts/browser", "browser", "scripts/browser/run.sh"), chromium
}

// TestRemoteOAuthCluster: a host that knows only the URL connects through
// haproxy to three replicas sharing redis-server, signs in in a browser,
// calls tools on every replica and refreshes; then the refusals that need
// replicas to prove: a revocation reaches every replica within a second, a
// code redeemed on one replica cannot be redeemed again on another.
func TestRemoteOAuthCluster(t *testing.T) {
	const ttl = 4 * time.Second
	c := startCluster(t, 3, "--oauth", "--public-url", "http://127.0.0.1:{lb}", "--oauth-access-ttl", ttl.String(),
		"--trusted-proxies", "127.0.0.1/32")
	base := strings.TrimSuffix(c.lbURL, "/mcp")
	ag := c.onboard("oauth")

	t.Run("TypeScript SDK signs in through Chromium and calls every replica", func(t *testing.T) {
		dir, chromium := browserClients(t)
		for _, f := range []string{"oauth.mjs", "chromium.mjs"} { // their imports resolve from the packages' folder
			src, err := os.ReadFile(filepath.Join("..", "scripts", "browser", f))
			if err != nil || os.WriteFile(filepath.Join(dir, f), src, 0o644) != nil {
				t.Fatalf("copy the client: %v", err)
			}
		}
		script := filepath.Join(dir, "oauth.mjs")
		shots := filepath.Join("..", "artifacts")
		os.MkdirAll(shots, 0o755)
		cmd := exec.Command("node", script, c.lbURL, shots)
		cmd.Env = append(os.Environ(), "AGENT_KEY="+ag.key, "AGENT_PIN="+ag.pin, "CHROMIUM="+chromium,
			fmt.Sprintf("ACCESS_TTL_MS=%d", ttl.Milliseconds()))
		out, err := cmd.Output()
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, stderr)
		}
		var sum struct {
			ServedBy      map[string]int `json:"servedBy"`
			Unauthorized  int            `json:"unauthorized"`
			RefreshTokens int            `json:"refreshTokens"`
		}
		if err := json.Unmarshal(out, &sum); err != nil {
			t.Fatalf("summary: %v: %s", err, out)
		}
		t.Logf("tool calls per replica %v; 401s the SDK met %d; refresh tokens seen %d", sum.ServedBy, sum.Unauthorized, sum.RefreshTokens)
		for _, r := range c.replicas {
			if sum.ServedBy[r.name] == 0 {
				t.Errorf("%s served no tool call: %v", r.name, sum.ServedBy)
			}
		}
		if sum.RefreshTokens < 2 || sum.Unauthorized < 2 {
			t.Errorf("no refresh after expiry: %+v", sum)
		}
		logs := c.logs()
		for _, secret := range []string{ag.key, ag.pin, "mcpat_", "mcprt_", "mcpac_"} {
			if strings.Contains(logs, secret) {
				t.Errorf("a replica logged a secret or token (%.8s…)", secret)
			}
		}
	})

	direct := func(r *replica, token string) int {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/mcp", r.port),
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	signIn := func(t *testing.T) (*oauthtest.App, string) {
		t.Helper()
		a, err := oauthtest.Register(base, "Go host")
		if err != nil {
			t.Fatal(err)
		}
		code, err := a.SignInAsAgent(oauthtest.NewBrowser(), ag.key, ag.pin, "")
		if err != nil {
			t.Fatal(err)
		}
		return a, code
	}

	t.Run("a revoked token is refused on every replica within a second", func(t *testing.T) {
		a, code := signIn(t)
		at, rt, err := a.Tokens(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.replicas {
			if st := direct(r, at); st != 200 {
				t.Fatalf("%s before revocation: %d", r.name, st)
			}
		}
		res, err := http.PostForm(base+"/revoke", url.Values{"token": {rt}, "client_id": {a.ID}})
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("revoke: %v", err)
		}
		revoked := time.Now()
		for _, r := range c.replicas {
			waitFor(t, time.Second-time.Since(revoked), r.name+" refusing the revoked token", func() bool { return direct(r, at) == 401 })
		}
		t.Logf("refused on all %d replicas %v after the revocation", len(c.replicas), time.Since(revoked).Round(time.Millisecond))
	})

	t.Run("a code redeemed on one replica is refused on another, and its tokens revoked", func(t *testing.T) {
		a, code := signIn(t)
		a.Base = fmt.Sprintf("http://127.0.0.1:%d", c.replicas[0].port)
		at, _, err := a.Tokens(code)
		if err != nil {
			t.Fatal(err)
		}
		a.Base = fmt.Sprintf("http://127.0.0.1:%d", c.replicas[1].port)
		if st, out, _ := a.Exchange(code); st != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("second redemption on r2: %d %v", st, out)
		}
		if st := direct(c.replicas[2], at); st != 401 {
			t.Fatalf("r3 still accepts the token of a reused code: %d", st)
		}
	})
}
