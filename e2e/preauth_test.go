package e2e

// Before a caller is known, it costs the HQ nothing: made-up API keys by
// the ten thousand from one address are refused without asking the HQ
// past a small number, never push a real tenant's client out of the
// replica's cache, and a real tenant keeps working meanwhile, from
// another address and from the attacker's own. A tenant that changes its
// PIN header on every request cannot make every request a token mint.
// The proxy in front of the sandbox counts what reaches the HQ.

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// from is an HTTP client whose connections leave from ip (any address of
// 127.0.0.0/8 is this machine's), as another host would be seen.
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}}
}

// madeUp is a bearer no account holds.
func madeUp(i int) string { return fmt.Sprintf("hq_live_madeup%08d", i) }

// countedReplica is one replica before a sandbox it reaches through the
// counting proxy.
func countedReplica(t *testing.T) (*cluster, *replica) {
	t.Helper()
	sb := startSandbox(t)
	c := &cluster{t: t, sandbox: sb.baseURL}
	c.hqURL = c.startDropProxy(sb.baseURL)
	return c, c.startReplica("r1")
}

// mints counts the JWT mints that reached the HQ so far.
func (c *cluster) mints() int {
	return c.hq.count(func(q hqRequest) bool { return q.method == http.MethodPost && q.path == "/hq/account/agent/token" })
}

// TestUnknownKeysCostTheHQNothing: two replicas behind haproxy, which
// they trust to name the client (--trusted-proxies, X-Forwarded-For). An
// attacker sends 10,050 made-up keys, each with a forged X-Forwarded-For
// of its own; meanwhile a tenant calls from another address and from the
// attacker's, and a new tenant makes its first call from another address.
func TestUnknownKeysCostTheHQNothing(t *testing.T) {
	t.Parallel()
	// haproxy reaches the replicas from 127.0.0.1; the clients use other
	// loopback addresses, as hosts elsewhere would.
	c := startCluster(t, 2, "--trusted-proxies", "127.0.0.1/32")
	alice, bob, carol := c.onboard("alice"), c.onboard("bob"), c.onboard("carol")
	attacker, elsewhere := from("127.0.0.3"), from("127.0.0.2")
	balance := func(tn tenant, hc *http.Client, url, what string) {
		t.Helper()
		status, body := postModern(t, hc, url, tn.headers(), modernToolCall(1, "get_balance", map[string]any{}, "", nil))
		if status != http.StatusOK || !strings.Contains(string(body), "balance_cents") || strings.Contains(string(body), `"isError":true`) {
			t.Errorf("%s: %d %.300s", what, status, body)
		}
	}
	for range 2 { // known on both replicas
		balance(alice, elsewhere, c.lbURL, "alice before the flood")
	}
	// Bob calls one replica straight, before and after the flood, not
	// during: his client must still be there after it.
	r1 := c.replicas[0]
	balance(bob, elsewhere, r1.url(), "bob before the flood")

	const flood = 20_100 // 10,050 a replica: more than a replica's 10,000 clients
	var next atomic.Int64
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > flood {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, c.lbURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
				req.Header.Set("Authorization", "Bearer "+madeUp(i))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.%d.%d", i/250%250, i%250)) // forged: haproxy adds the real one
				res, err := attacker.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
					t.Error("a 429 without Retry-After")
				}
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	served := 0
	for flooding := true; flooding; {
		select {
		case <-done:
			flooding = false
		default:
			balance(alice, elsewhere, c.lbURL, "alice from another address during the flood")
			balance(alice, attacker, c.lbURL, "alice from the attacker's address during the flood")
			served += 2
			if served == 20 {
				balance(carol, elsewhere, c.lbURL, "carol's first call, from another address, during the flood")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	mintsBefore := c.mints()
	balance(bob, elsewhere, r1.url(), "bob after the flood")
	bobMints := c.mints() - mintsBefore
	hqCalls := c.hq.count(func(q hqRequest) bool { return strings.HasPrefix(q.bearer, "hq_live_madeup") })
	t.Logf("%d made-up keys: answers %v; %d reached the HQ; alice served %d calls during the flood; bob, idle, needed %d new token mint(s) after it",
		flood, statuses, hqCalls, served, bobMints)
	if hqCalls > 100 {
		t.Errorf("%d of %d made-up keys cost an HQ call", hqCalls, flood)
	}
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Error("no made-up key was answered 429")
	}
	if bobMints != 0 {
		t.Errorf("made-up keys pushed bob's client out of the cache: %d new mint(s)", bobMints)
	}
}

// TestRotatingPINMintsAreBounded: a tenant whose PIN header changes on
// every request (a bug, or a tenant spending the replica's standing at the
// HQ) gets a handful of mints, then 429s; its right PIN, in use before,
// still works, without a mint.
func TestRotatingPINMintsAreBounded(t *testing.T) {
	t.Parallel()
	c, r := countedReplica(t)
	alice := c.onboard("alice")
	if res := modernCallAs(t, r.url(), alice.headers(), "get_balance", map[string]any{}, "", nil); res["isError"] == true {
		t.Fatalf("the right PIN: %v", res)
	}
	before := c.mints()
	const requests = 200
	limited := 0
	for i := range requests {
		h := alice.headers()
		h["X-MyAPIHQ-Agent-PIN"] = fmt.Sprintf("%s%d", alice.pin, i)
		status, body := postModern(t, nil, r.url(), h, modernToolCall(1, "get_balance", map[string]any{}, "", nil))
		if status == http.StatusTooManyRequests || strings.Contains(string(body), "too many agent tokens minted") {
			limited++
		}
	}
	got := c.mints() - before
	t.Logf("%d requests, each with another PIN: %d token mints at the HQ, %d limited", requests, got, limited)
	if got > 20 {
		t.Errorf("%d mints for %d PIN changes", got, requests)
	}
	before = c.mints()
	if res := modernCallAs(t, r.url(), alice.headers(), "get_balance", map[string]any{}, "", nil); res["isError"] == true {
		t.Errorf("the right PIN after the rotation: %v", res)
	}
	if m := c.mints() - before; m != 0 {
		t.Errorf("the right PIN's client was dropped: %d new mint(s)", m)
	}
}
