package tools

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
	"github.com/zalando/go-keyring"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// harness is one MCP server (all tools) over an in-process client session,
// on its own sandbox and credential file.
type harness struct {
	t     testing.TB
	sb    *sandbox.Server
	base  string
	store *credentials.Store
	// credFile is the store's file (keyring mode: where a file store would be).
	credFile string
	deps     *Deps
	c        *client.Client
	answer   atomic.Value // "accept" | "decline": what the human says
	asked    atomic.Int32
	srv      *server.MCPServer
	mu       sync.Mutex
	seen     []seenResult // every successful structured result
}

type seenResult struct {
	tool string
	raw  json.RawMessage
}

type hopts struct {
	wrap     func(http.Handler) http.Handler
	provider credentials.Provider // keyring mode with this provider, instead of a file
	readOnly bool
	noElicit bool
	delay    time.Duration
	noLimit  bool      // no sandbox rate limit (benchmarks)
	env      *sync.Map // MYAPI_* overrides, read on every use (nil: none)
	protocol string    // the client's protocol version ("": mcp-go's default, 2026-07-28)
	cfg      Config
	budget   toolkit.Budget
	identity func(context.Context) (string, bool)
	now      func() time.Time
	// human answers the elicitations instead of the harness, for a client
	// that declares URL mode too (elicitation.url).
	human client.ElicitationHandler
}

func newHarness(t testing.TB, o hopts) *harness {
	t.Helper()
	h := &harness{t: t}
	h.answer.Store("accept")
	rate := 0.0
	if o.noLimit {
		rate = -1
	}
	sb, err := sandbox.New(sandbox.Options{ImportDelay: o.delay, PasswordIterations: 1000, RateLimit: rate})
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = sb
	if o.wrap != nil {
		handler = o.wrap(sb)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	h.sb, h.base = sb, srv.URL

	getenv := func(k string) string {
		if o.env == nil {
			return ""
		}
		v, _ := o.env.Load(k)
		s, _ := v.(string)
		return s
	}
	h.credFile = filepath.Join(t.TempDir(), "credentials.json")
	sopts := credentials.Options{Target: credentials.TargetForURL(srv.URL), Mode: credentials.ModeFile,
		FilePath: h.credFile, Getenv: getenv}
	if o.provider != nil {
		sopts.Mode, sopts.Provider, sopts.Timeout = credentials.ModeKeyring, o.provider, 100*time.Millisecond
	}
	if h.store, err = credentials.New(sopts); err != nil {
		t.Fatal(err)
	}
	newClient := func(creds hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: srv.URL, Credentials: creds, MaxAttempts: 2, BackoffBase: time.Millisecond})
	}
	hc, _ := newClient(StoreCredentials{h.store})
	cfg := o.cfg
	cfg.MaxTopUpCents = DefaultMaxTopUpCents
	h.deps = &Deps{Client: hc, Store: h.store, BaseURL: srv.URL, Sandbox: true, Config: cfg,
		Log: zerolog.Nop(), NewClient: newClient, PollMin: 5 * time.Millisecond, PollMax: 20 * time.Millisecond,
		Budget: o.budget, Identity: o.identity, Now: o.now}

	s := server.NewMCPServer("test", "0", server.WithRecovery(), server.WithHooks(h.deps.Hooks()))
	h.deps.Config.ReadOnly = o.readOnly // every tool registered: the pipeline's read-only step is what is tested
	Pipeline(h.deps).Register(s, All(h.deps))
	h.srv = s
	var copts []client.ClientOption
	switch {
	case o.human != nil:
		copts = append(copts, client.WithElicitationHandler(o.human))
	case !o.noElicit:
		copts = append(copts, client.WithElicitationHandler(h))
	}
	if o.protocol != "" {
		copts = append(copts, client.WithProtocolVersion(o.protocol))
	}
	if h.c, err = client.NewInProcessClientWithOptions(s, copts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.c.Close() })
	ctx := context.Background()
	if err := h.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "0"}
	switch {
	case o.human != nil:
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}
	case !o.noElicit:
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := h.c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) Elicit(_ context.Context, _ mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.asked.Add(1)
	if h.answer.Load() == "accept" {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept,
			Content: map[string]any{"confirm": true}}}, nil
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
}

// call runs a tool; every result is checked for the profile's secrets.
func (h *harness) call(name string, args map[string]any) (*mcp.CallToolResult, map[string]any, string) {
	h.t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	text := ""
	for _, c := range res.Content {
		if tc, isText := c.(mcp.TextContent); isText {
			text += tc.Text
		}
	}
	sc, _ := res.StructuredContent.(map[string]any)
	if sc != nil { // the same JSON as text, after the summary, for text-only hosts
		last, _ := res.Content[len(res.Content)-1].(mcp.TextContent)
		var asText map[string]any
		if len(res.Content) < 2 || json.Unmarshal([]byte(last.Text), &asText) != nil || !reflect.DeepEqual(asText, sc) {
			h.t.Fatalf("%s: structured content not repeated as text: %+v", name, res.Content)
		}
	}
	raw, _ := json.Marshal(res)
	if sc != nil && !res.IsError {
		b, _ := json.Marshal(sc)
		h.mu.Lock()
		h.seen = append(h.seen, seenResult{name, b})
		h.mu.Unlock()
	}
	v, _ := h.store.Get(context.Background())
	for _, secret := range []string{v.PIN, v.APIKey, v.Token} {
		if secret != "" && strings.Contains(string(raw), secret) && sc["unsaved_pin"] == nil {
			h.t.Fatalf("%s: a secret reached the result: %s", name, raw)
		}
	}
	return res, sc, text
}

// results are the structured results of the successful calls so far.
func (h *harness) results() []seenResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seen)
}

func (h *harness) ok(name string, args map[string]any) map[string]any {
	h.t.Helper()
	res, sc, text := h.call(name, args)
	if res.IsError {
		h.t.Fatalf("%s: %s", name, text)
	}
	return sc
}

func (h *harness) failsWith(name string, args map[string]any, want ...string) string {
	h.t.Helper()
	res, _, text := h.call(name, args)
	if !res.IsError {
		h.t.Fatalf("%s succeeded; want an error with %q: %s", name, want, text)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			h.t.Fatalf("%s: %q lacks %q", name, text, w)
		}
	}
	return text
}

// verifyEmail follows the link in the sandbox's verification mail to email.
func (h *harness) verifyEmail(email string) {
	h.t.Helper()
	resp, err := http.Get(h.base + "/_sandbox/outbox?to=" + email)
	if err != nil {
		h.t.Fatal(err)
	}
	var mails []map[string]any
	json.NewDecoder(resp.Body).Decode(&mails)
	resp.Body.Close()
	if len(mails) == 0 {
		h.t.Fatalf("no mail to %s", email)
	}
	if v, err := http.Get(mails[0]["link"].(string)); err != nil || v.StatusCode != 200 {
		h.t.Fatalf("verify %s: %v", email, err)
	}
}

// dropTopUps makes every top-up, while *drop is set, commit and then lose
// its answer: the outcome the caller cannot know.
func dropTopUps(drop *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if drop.Load() && r.URL.Path == "/hq/billing/topup" {
				next.ServeHTTP(httptest.NewRecorder(), r) // committed ...
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close() // ... and the answer lost
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (h *harness) ledger() map[string]float64 {
	h.t.Helper()
	resp, err := http.Get(h.base + "/_sandbox/ledger")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestCreateAgentOnboardsOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	if sc := h.ok("whoami", nil); sc["account_id"] != "" {
		t.Fatalf("whoami before: %v", sc)
	}
	first := h.ok("create_agent", map[string]any{"label": "bot"})
	if !strings.HasPrefix(first["api_key"].(string), "hq_live_…") || first["account_id"] == "" {
		t.Fatalf("create_agent: %v", first)
	}
	v, _ := h.store.Get(context.Background())
	if v.PIN == "" || v.APIKey == "" || v.AccountID != first["account_id"] {
		t.Fatalf("stored: %+v", v)
	}
	again := h.ok("create_agent", nil)
	if again["already_onboarded"] != true || again["account_id"] != first["account_id"] {
		t.Fatalf("second call: %v", again)
	}
	who := h.ok("whoami", nil)
	if who["account_id"] != first["account_id"] || who["credentials"].(map[string]any)["pin"].(map[string]any)["source"] != "file" {
		t.Fatalf("whoami: %v", who)
	}
	if l := h.ledger(); l["agents"] != 1 || l["api_keys"] != 1 {
		t.Fatalf("ledger: %v", l)
	}
	replaced := h.ok("create_agent", map[string]any{"force": true})
	if replaced["replaced_account_id"] != first["account_id"] || replaced["account_id"] == first["account_id"] {
		t.Fatalf("force: %v", replaced)
	}
}

// TestCreateAgentResumes: the key cannot be made on the first run; the
// account exists and its PIN is kept, and the next run finishes the same
// account instead of making a second.
func TestCreateAgentResumes(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	broken.Store(true)
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if broken.Load() && r.URL.Path == "/hq/account/create/key" {
				w.WriteHeader(503)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	h := newHarness(t, hopts{wrap: wrap})
	h.failsWith("create_agent", nil, "service is unavailable")
	v, _ := h.store.Get(context.Background())
	if v.PIN == "" || v.APIKey != "" {
		t.Fatalf("after the failed run: %+v", v)
	}
	broken.Store(false)
	done := h.ok("create_agent", nil)
	if done["account_id"] != v.AccountID {
		t.Fatalf("resumed with another account: %v vs %s", done, v.AccountID)
	}
	if l := h.ledger(); l["agents"] != 1 || l["api_keys"] != 1 {
		t.Fatalf("ledger: %v", l)
	}
}

// failingKeyring refuses every write, as a broken keyring in keyring-only mode.
type failingKeyring struct{}

func (failingKeyring) Get(string, string) (string, error) { return "", errNotFound }
func (failingKeyring) Set(string, string, string) error   { return errors.New("no secret service") }
func (failingKeyring) Delete(string, string) error        { return nil }

var errNotFound = keyring.ErrNotFound

func TestCreateAgentHandsThePINBackWhenNoStoreKeepsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{provider: failingKeyring{}})
	res, sc, text := h.call("create_agent", nil)
	pin, _ := sc["unsaved_pin"].(string)
	if res.IsError || len(pin) < 26 || !strings.Contains(text, "WARNING") || !strings.Contains(text, pin) {
		t.Fatalf("result: %v %s", res.IsError, text)
	}
	// The account works for this process (held in memory) ...
	h.ok("list_orgs", nil)
	// ... and the PIN is not shown again.
	_, sc, text = h.call("create_agent", nil)
	if sc["unsaved_pin"] != nil || strings.Contains(text, pin) {
		t.Fatalf("PIN shown twice: %s", text)
	}
}

func TestErrorsSayWhatToDoNext(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	h.failsWith("list_orgs", nil, "create_agent")
	h.ok("create_agent", nil)
	h.failsWith("top_up", map[string]any{"amount_cents": 100}, "402", "setup_payment")
	h.failsWith("import_brand", map[string]any{"domain": "acme.com"}, "402", "top_up")
	h.failsWith("get_org", map[string]any{"org_id": "org_nope"}, "404", "list_")
	h.failsWith("top_up", map[string]any{"amount_cents": 5001}, "between 1 and 5000")
	h.failsWith("create_org", map[string]any{"name": "x", "bogus": 1}, `unknown argument "bogus"`)
	h.failsWith("list_linked_agents", nil, "login")
	h.failsWith("update_org", map[string]any{"org_id": "org_x"}, "at least one field")
}

func TestNoElicitationProceeds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{noElicit: true})
	h.ok("create_agent", nil)
	org := h.ok("create_org", map[string]any{"name": "Go"})
	h.ok("delete_org", map[string]any{"org_id": org["id"]}) // the host's own approval covers it
}

func TestReadOnlyGuard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{readOnly: true})
	h.failsWith("create_agent", nil, "--read-only")
	h.ok("whoami", nil)
}

func TestImportBrandWaitsAndStops(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{delay: 40 * time.Millisecond})
	h.ok("create_agent", nil)
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	h.ok("top_up", map[string]any{"amount_cents": 500})
	job := h.ok("import_brand", map[string]any{"domain": "blue-fox.io"})
	if job["status"] != "awaiting_confirmation" || job["brand"].(map[string]any)["name"] != "Blue Fox" {
		t.Fatalf("waited: %v", job)
	}
	queued := h.ok("import_brand", map[string]any{"domain": "red-fox.io", "wait": false})
	if queued["status"] != "queued" {
		t.Fatalf("no wait: %v", queued)
	}
	org := h.ok("confirm_import", map[string]any{"job_id": job["id"], "name": "Blue Fox Ltd"})
	if org["name"] != "Blue Fox Ltd" || org["font_family"] == nil {
		t.Fatalf("confirm: %v", org)
	}
	h.failsWith("confirm_import", map[string]any{"job_id": job["id"]}, "409")
	// The bounded wait: TestImportBrandStopsWaiting.
}

func TestHumanTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	h.ok("create_agent", nil)
	h.ok("register_account", map[string]any{"email": "ada@example.com", "password": "correct horse"})
	h.failsWith("login", map[string]any{"email": "ada@example.com", "password": "correct horse"}, "403", "verif")
	h.verifyEmail("ada@example.com")
	_, sc, text := h.call("login", map[string]any{"email": "ada@example.com", "password": "correct horse"})
	if strings.Contains(text, "correct horse") || !strings.HasPrefix(sc["token"].(string), "eyJ…") {
		t.Fatalf("login result: %s %v", text, sc)
	}
	h.ok("link_agent", nil) // this profile's own agent, by its stored PIN
	agents := h.ok("list_linked_agents", nil)["items"].([]any)
	v, _ := h.store.Get(context.Background())
	if len(agents) != 1 || agents[0].(map[string]any)["account_id"] != v.AccountID {
		t.Fatalf("agents: %v", agents)
	}
	h.ok("get_agent_balance", map[string]any{"agent_id": v.AccountID})
	h.ok("get_agent_usage", map[string]any{"agent_id": v.AccountID})
	h.ok("logout", nil)
	h.failsWith("list_linked_agents", nil, "login")
}

// TestAmbiguousWriteIsNotRepeated: every attempt of a top-up commits and
// loses its answer, so the tool fails; the model's identical retry gets the
// first outcome back instead of a second charge. Another amount is a new top-up.
func TestAmbiguousWriteIsNotRepeated(t *testing.T) {
	t.Parallel()
	var drop atomic.Bool
	wrap := dropTopUps(&drop)
	h := newHarness(t, hopts{wrap: wrap, noElicit: true})
	h.ok("create_agent", nil)
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	drop.Store(true)
	h.failsWith("top_up", map[string]any{"amount_cents": 700}, "same arguments")
	drop.Store(false)
	if got := h.ok("top_up", map[string]any{"amount_cents": 700}); got["new_balance_cents"] != float64(700) {
		t.Fatalf("retry: %v", got)
	}
	h.ok("top_up", map[string]any{"amount_cents": 300})
	if l := h.ledger(); l["topups"] != 2 || l["balance_cents"] != 1000 {
		t.Fatalf("ledger %v: want one 700 and one 300", l)
	}
}

// hangingKeyring never answers, as a locked collection waiting on a prompt
// nobody will see.
type hangingKeyring struct{}

func (hangingKeyring) Get(string, string) (string, error) { select {} }
func (hangingKeyring) Set(string, string, string) error   { select {} }
func (hangingKeyring) Delete(string, string) error        { select {} }

// TestHangingKeyring: whoami answers within the keyring timeout and says
// what to do, and tools keep working on env credentials.
func TestHangingKeyring(t *testing.T) {
	t.Parallel()
	env := &sync.Map{}
	h := newHarness(t, hopts{provider: hangingKeyring{}, env: env})
	start := time.Now()
	_, who, text := h.call("whoami", nil)
	if time.Since(start) > time.Second || !strings.Contains(text, "did not answer") || !strings.Contains(who["store_error"].(string), "--credential-store file") {
		t.Fatalf("whoami after %v: %s", time.Since(start), text)
	}
	// Credentials made elsewhere, handed over by env.
	c, _ := hqclient.New(hqclient.Options{BaseURL: h.base})
	a, err := c.CreateAgent(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	env.Store("MYAPI_PIN", a.Data.PIN)
	h.ok("get_balance", nil) // mints a JWT from the env PIN
	h.ok("send_link_email", map[string]any{"email": "owner@example.com"})
}

// TestCreateAgentAfterImportMakesAFreshKey: a profile brought in with only a
// PIN (auth import) gets a new key, not a replay of some earlier one.
func TestCreateAgentAfterImportMakesAFreshKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{noElicit: true})
	c, _ := hqclient.New(hqclient.Options{BaseURL: h.base})
	a, err := c.CreateAgent(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Save(context.Background(), credentials.Values{AccountID: a.Data.AccountID, PIN: a.Data.PIN}); err != nil {
		t.Fatal(err)
	}
	h.ok("create_agent", nil)
	first, _ := h.store.Get(context.Background())
	h.ok("revoke_key", map[string]any{"key_id": h.ok("list_keys", nil)["items"].([]any)[0].(map[string]any)["id"]})
	h.store.Logout(context.Background()) // forget everything, then import the PIN again
	h.store.Save(context.Background(), credentials.Values{AccountID: a.Data.AccountID, PIN: a.Data.PIN})
	h.ok("create_agent", nil)
	second, _ := h.store.Get(context.Background())
	if second.APIKey == first.APIKey || h.ledger()["api_keys_active"] != 1 {
		t.Fatalf("the second onboarding replayed the revoked key: %v", h.ledger())
	}
}

// TestSessionEndForgetsTheHumanLogin: a login lives as long as the MCP
// session that made it.
func TestSessionEndForgetsTheHumanLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{noElicit: true})
	h.ok("register_account", map[string]any{"email": "s@example.com", "password": "correct horse"})
	h.verifyEmail("s@example.com")
	h.ok("login", map[string]any{"email": "s@example.com", "password": "correct horse"})
	count := func() int {
		h.deps.humans.mu.Lock()
		defer h.deps.humans.mu.Unlock()
		return len(h.deps.humans.m)
	}
	if count() != 1 {
		t.Fatalf("%d logins held", count())
	}
	me := h.sessionID()
	h.deps.Retries.Keep(context.Background(), me, "top_up\x00{}", "k", toolkit.PendingKeyTTL)
	h.c.Close()
	for deadline := time.Now().Add(2 * time.Second); count() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the closed session's login is still held")
		}
	}
	if k, _ := h.deps.Retries.Take(context.Background(), me, "top_up\x00{}"); k != "" {
		t.Fatal("the closed session's retry keys are still held")
	}
}

// TestAmbiguousWriteKeyIsPerSession: over HTTP another client's identical
// call is its own, not a replay of the first client's unfinished one.
func TestAmbiguousWriteKeyIsPerSession(t *testing.T) {
	t.Parallel()
	var drop atomic.Bool
	wrap := dropTopUps(&drop)
	h := newHarness(t, hopts{wrap: wrap, noElicit: true})
	h.ok("create_agent", nil)
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	drop.Store(true)
	h.failsWith("top_up", map[string]any{"amount_cents": 700}, "same arguments") // session A: outcome unknown
	drop.Store(false)

	other, err := client.NewInProcessClient(h.srv) // session B, same server and account
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	other.Start(ctx)
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "b", Version: "0"}
	if _, err := other.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "top_up", map[string]any{"amount_cents": 700}
	res, err := other.CallTool(ctx, req)
	if err != nil || res.IsError || res.StructuredContent.(map[string]any)["new_balance_cents"] != float64(1400) {
		t.Fatalf("session B's top-up replayed session A's: %v %+v", err, res)
	}
	if got := h.ok("top_up", map[string]any{"amount_cents": 700}); got["new_balance_cents"] != float64(700) {
		t.Fatalf("session A's retry is not its first outcome: %v", got)
	}
	if l := h.ledger(); l["topups"] != 2 || l["balance_cents"] != 1400 {
		t.Fatalf("ledger %v", l)
	}
}

// sessionID is the in-process client's MCP session id: the identity its
// calls have.
func (h *harness) sessionID() string {
	h.t.Helper()
	var id string
	h.srv.AddTool(mcp.NewTool("_session_id"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, _ = h.deps.identity(ctx)
		return mcp.NewToolResultText(id), nil
	})
	defer h.srv.DeleteTools("_session_id")
	req := mcp.CallToolRequest{}
	req.Params.Name = "_session_id"
	if _, err := h.c.CallTool(context.Background(), req); err != nil || id == "" {
		h.t.Fatalf("session id: %v", err)
	}
	return id
}
