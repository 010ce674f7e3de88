package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/redis/go-redis/v9"

	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
)

// Attacks on the OAuth connection through the built binary: one replica
// of `http --multi-tenant --oauth` before the sandbox, reached directly.

// oauthReplica is one --oauth replica whose public URL is its own address.
func oauthReplica(t *testing.T, extra ...string) (*cluster, *replica, string) {
	t.Helper()
	sb := startSandbox(t)
	c := &cluster{t: t, sandbox: sb.baseURL}
	c.hqURL = c.startDropProxy(sb.baseURL)
	r := c.startReplica("r1", append([]string{"--oauth", "--public-url", "http://127.0.0.1:{self}"}, extra...)...)
	return c, r, fmt.Sprintf("http://127.0.0.1:%d", r.port)
}

// oauthSignIn is a host registered as name that signs in with the agent's
// key and PIN and is allowed scope: its access token.
func oauthSignIn(t *testing.T, base string, ag tenant, name, scope string) string {
	t.Helper()
	at, err := oauthtest.Connect(base, name, ag.key, ag.pin, scope)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// tokenClient is a modern-era client of the endpoint with an OAuth token.
func tokenClient(t *testing.T, mcpURL, token string) *client.Client {
	t.Helper()
	return remoteClient(t, mcpURL, tenant{key: token}, false)
}

var fullKey = regexp.MustCompile(`hq_(?:live|test)_[A-Za-z0-9_-]{16,}`)

// TestOAuthWriteTokenCannotBeShownAKey: the write scope lets a connection
// create API keys, but an API key opens everything the account can do
// (paid imports and service calls take the key alone, with no question
// asked at MyAPIHQ) and outlives the connection's revocation. Shown to a
// connection without the other scopes it is an escalation from write to
// billing that no revocation ends. Before: create_key(reveal=true) over a
// "read write" token returned the new key in full, and that key, sent as a
// raw bearer, passed the gate for import_brand (a billing tool); after:
// refused before any key is made; a connection allowed every scope may
// still be shown one.
func TestOAuthWriteTokenCannotBeShownAKey(t *testing.T) {
	t.Parallel()
	c, r, base := oauthReplica(t)
	ag := c.onboard("victim")
	keysBefore := c.hq.count(func(q hqRequest) bool { return q.path == "/hq/account/create/key" })

	write := tokenClient(t, r.url(), oauthSignIn(t, base, ag, "Wants write", "read write"))
	res, txt, err := call(write, "create_key", map[string]any{"name": "escalate", "reveal": true})
	if err != nil {
		t.Fatal(err)
	}
	if k := fullKey.FindString(txt + fmt.Sprint(res.StructuredContent)); k != "" {
		// Show what the key does: it is a bearer no scope binds.
		raw := remoteClient(t, r.url(), tenant{key: k}, false)
		_, itxt, ierr := call(raw, "import_brand", map[string]any{"domain": "example.com"})
		t.Fatalf("a read+write connection was shown a full API key; as a raw bearer it reached import_brand (billing): %v %.200s", ierr, itxt)
	}
	if !res.IsError || !strings.Contains(txt, "billing") {
		t.Errorf("create_key reveal over a write token: want a refusal naming the scopes it needs, got %.300s", txt)
	}
	if n := c.hq.count(func(q hqRequest) bool { return q.path == "/hq/account/create/key" }); n != keysBefore {
		t.Errorf("the refused reveal still made %d key(s) at MyAPIHQ", n-keysBefore)
	}
	// Masked, a new key is worth nothing to the connection: still allowed.
	if res, txt, err := call(write, "create_key", map[string]any{"name": "masked"}); err != nil || res.IsError || fullKey.MatchString(txt) {
		t.Errorf("create_key without reveal over a write token: %v %.300s", err, txt)
	}

	// Every scope: the human allowed spending too, so the key may be shown.
	all := tokenClient(t, r.url(), oauthSignIn(t, base, ag, "Wants all", "read write billing"))
	if _, txt := mustCall(t, all, "create_key", map[string]any{"name": "shown", "reveal": true}); !fullKey.MatchString(txt) {
		t.Errorf("create_key reveal with every scope: no key shown: %.300s", txt)
	}
}

// TestOAuthLimitsCountAnIPv6HostOnce: a host holds a whole IPv6 /64, so
// counting sign-ins, registrations and metadata fetches per address gave
// it 2^64 budgets. The replica trusts its balancer (127.0.0.1), which
// names the client in X-Forwarded-For. Before: 30 registrations from 30
// addresses of one /64 were all accepted (10 per address allowed); after:
// 10, then 429, while another /64 still registers.
func TestOAuthLimitsCountAnIPv6HostOnce(t *testing.T) {
	t.Parallel()
	_, _, base := oauthReplica(t, "--trusted-proxies", "127.0.0.1/32")
	register := func(from string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/register",
			strings.NewReader(`{"client_name":"flood","redirect_uris":["http://127.0.0.1/cb"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	accepted := 0
	for i := 1; i <= 30; i++ {
		if register(fmt.Sprintf("2001:db8:7:7:%x::1", i)) == http.StatusCreated {
			accepted++
		}
	}
	if accepted > 10 {
		t.Errorf("one IPv6 /64 registered %d clients (10 allowed per address)", accepted)
	}
	if st := register("2001:db8:7:8::1"); st != http.StatusCreated {
		t.Errorf("another /64: %d", st)
	}
}

// TestOAuthRegistrationsStoreNothing: dynamic client registration is open
// to anyone, so what it stores is a lever on the Redis every replica
// shares (noeviction, 128 MB in deploy/kubernetes: full, it refuses the
// writes consent answers and sign-ins need). Before: each registration of
// ten long redirect URIs kept ~16 KB in Redis for 90 days, 10 per address
// every 15 minutes (~15 MB a day from one IPv4 address); after: the
// registration is the client_id itself, sealed under the state key, and
// Redis holds nothing for it; a registration's redirect URIs are bounded
// (2 KiB), and a registered client still signs in.
func TestOAuthRegistrationsStoreNothing(t *testing.T) {
	t.Parallel()
	needTools(t)
	sb := startSandbox(t)
	c := &cluster{t: t, sandbox: sb.baseURL}
	c.hqURL = c.startDropProxy(sb.baseURL)
	c.redisURL = c.startRedis()
	r := c.startReplica("r1", "--oauth", "--public-url", "http://127.0.0.1:{self}", "--trusted-proxies", "127.0.0.1/32")
	base := fmt.Sprintf("http://127.0.0.1:%d", r.port)
	rc := redis.NewClient(&redis.Options{Addr: c.redisAddr, Username: "operator", Password: c.redisOpPW})
	defer rc.Close()
	clientBytes := func() (keys int, bytes int64) {
		ctx := context.Background()
		it := rc.Scan(ctx, 0, "myapihq:oauth:client:*", 100).Iterator()
		for it.Next(ctx) {
			keys++
			bytes += rc.MemoryUsage(ctx, it.Val()).Val()
		}
		return keys, bytes
	}
	register := func(from string, redirects []string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]any{"client_name": "flood", "redirect_uris": redirects})
		req, _ := http.NewRequest(http.MethodPost, base+"/register", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	long := make([]string, 10)
	for i := range long {
		long[i] = fmt.Sprintf("https://app%d.example/%s", i, strings.Repeat("a", 1500))
	}
	stored := 0
	for i := 0; i < 10; i++ {
		if st, _ := register(fmt.Sprintf("192.0.2.%d", i+1), long); st == http.StatusCreated {
			stored++
		}
	}
	if keys, size := clientBytes(); keys > 0 {
		t.Errorf("%d registrations of 15 KB of redirect URIs (%d accepted) keep %d records, %d bytes, in Redis", 10, stored, keys, size)
	}
	if stored > 0 {
		t.Errorf("%d registrations with 15 KB of redirect URIs accepted (2 KiB allowed)", stored)
	}
	// A host's ordinary registration works, and signs in, storing nothing.
	ag := c.onboard("ordinary")
	st, out := register("192.0.2.99", []string{"http://127.0.0.1/callback"})
	id, _ := out["client_id"].(string)
	if st != http.StatusCreated || !strings.HasPrefix(id, "mcpc_") {
		t.Fatalf("an ordinary registration: %d %v", st, out)
	}
	tokenClient(t, r.url(), oauthSignIn(t, base, ag, "Ordinary host", "read"))
	if keys, _ := clientBytes(); keys > 0 {
		t.Errorf("registered clients keep %d records in Redis", keys)
	}
	t.Logf("an ordinary client_id is %d characters", len(id))
}
