package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestFaultSoak drives the real binary over stdio against a sandbox that
// injects 5xx, 429, commit-then-drop and latency, with a scripted workload
// across every toolset from four concurrent workers. A failed call is
// retried as a model would: the same tool with the same arguments. Then the
// sandbox's ledger must show one of everything and money that adds up.
// SOAK_SEED replays a run; SOAK_ROUNDS makes it longer; SOAK_FAULTS sets
// another mix (without seed).
func TestFaultSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a long soak: run without -short (scripts/test.sh does)")
	}
	t.Parallel()
	seed := envInt("SOAK_SEED", 7)
	rounds := envInt("SOAK_ROUNDS", 15)
	const workers = 4
	spec := fmt.Sprintf("5xx=0.1,429=0.03,drop=0.07,latency=1ms,retry-after=0s,seed=%d", seed)
	if v := os.Getenv("SOAK_FAULTS"); v != "" { // e.g. a harsher mix
		spec = fmt.Sprintf("%s,seed=%d", v, seed)
	}
	t.Logf("faults %s, %d workers × %d rounds", spec, workers, rounds)

	sb := startSandbox(t, "--faults", spec, "--import-delay", "0")
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()
	e := newEnv(t)
	e.args = []string{"--base-url", sb.baseURL}
	s := startMCP(t, e, mcp.ProtocolVersion20251125)

	start := time.Now()
	var calls, retried, toolErrors atomic.Int64
	var mu sync.Mutex
	var badErrors []string
	// do calls a tool until it succeeds, as a model retrying the same call.
	do := func(name string, args map[string]any) map[string]any {
		for try := 1; ; try++ {
			calls.Add(1)
			res, sc := s.call(name, args, "") // a JSON-RPC error fails the test in call
			if !res.IsError {
				return sc
			}
			toolErrors.Add(1)
			msg := text(res)
			if !strings.HasPrefix(msg, name+" failed: ") || !strings.Contains(msg, "Next: ") {
				mu.Lock()
				badErrors = append(badErrors, msg)
				mu.Unlock()
			}
			if try == 20 {
				t.Fatalf("%s still failing after 20 tries: %s", name, msg)
			}
			retried.Add(1)
		}
	}

	agent := do("create_agent", nil)
	do("confirm_payment_setup", map[string]any{"payment_method_id": "pm_soak"})
	do("create_key", map[string]any{"name": "soak extra"})

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				org := do("create_org", map[string]any{"name": fmt.Sprintf("soak w%d r%d", w, r)})
				id := org["id"]
				do("update_org", map[string]any{"org_id": id, "description": fmt.Sprintf("round %d", r)})
				do("create_webhook", map[string]any{"org_id": id, "url": fmt.Sprintf("%s/w%dr%d", receiver.URL, w, r)})
				do("top_up", map[string]any{"amount_cents": 100 + w})
				do("import_brand", map[string]any{"domain": fmt.Sprintf("w%dr%d.soak-brand.com", w, r), "auto_accept": true})
				do("get_org", map[string]any{"org_id": id})
				do("list_webhooks", map[string]any{"org_id": id})
				do("get_balance", nil)
				do("get_billing_history", nil)
			}
		}()
	}
	wg.Wait()
	do("list_orgs", nil)
	do("list_keys", nil)
	do("whoami", nil)
	took := time.Since(start)

	// The ledger, read past the fault injector.
	var ledger map[string]float64
	getJSON(t, sb.baseURL+"/_sandbox/ledger", &ledger)
	var faults map[string]any
	getJSON(t, sb.baseURL+"/_sandbox/faults", &faults)
	n := float64(workers * rounds)
	topupsCents := float64(0)
	for w := 0; w < workers; w++ {
		topupsCents += float64(rounds * (100 + w))
	}
	want := map[string]float64{
		"agents": 1, "api_keys": 2, "orgs": 2 * n, "webhooks": n, "imports": n, "topups": n,
		"topups_cents": topupsCents, "charges_cents": 25 * n, "refunds_cents": 0, "balance_cents": topupsCents - 25*n,
	}
	for k, v := range want {
		if ledger[k] != v {
			t.Errorf("ledger %s = %v, want %v (a duplicate, or money lost)", k, ledger[k], v)
		}
	}
	if len(badErrors) > 0 {
		t.Errorf("%d tool errors did not say what happened and what to do: %q", len(badErrors), badErrors[0])
	}
	for _, k := range []string{"5xx", "429", "drop"} {
		if faults[k].(float64) == 0 {
			t.Errorf("no %s fault was injected: %v", k, faults)
		}
	}
	t.Logf("%d tool calls in %v (%d ended as isError and were retried); sandbox saw %v requests, injected %v×5xx %v×429 %v drops; "+
		"ledger %v; account %v", calls.Load(), took.Round(time.Millisecond), toolErrors.Load(), faults["requests"], faults["5xx"], faults["429"],
		faults["drop"], ledger, agent["account_id"])
	if calls.Load() < 500 {
		t.Errorf("only %d calls", calls.Load())
	}

	// No secret anywhere, and the process is alive and well.
	scan := newScanner()
	for k, v := range secretsOf(t, e) {
		scan.secret(k, v)
	}
	scan.text("stderr", s.stderr.String())
	s.mu.Lock()
	for i, r := range s.results {
		scan.text("result "+strconv.Itoa(i), r)
	}
	s.mu.Unlock()
	scan.check(t)
	s.ok("get_balance", nil) // alive and well (ping is gone from the 2026 protocol)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
