package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	promptsPkg "github.com/myapihq/myapihq-mcp/prompts"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// session is the binary serving MCP on stdio to an mcp-go client.
type session struct {
	t       *testing.T
	c       *client.Client
	stderr  *syncBuffer
	home    string // XDG_CONFIG_HOME: where a file store would go
	state   string // the embedded sandbox's state file
	mu      sync.Mutex
	notes   []mcp.JSONRPCNotification
	results []string // every tool result, raw, for the secret scan
	asked   atomic.Int32
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is what every subprocess of one test shares: its config home and
// sandbox state, so two processes can see the same profile.
type env struct {
	home, state string
	args        []string // how the server finds its service (default: the embedded sandbox)
}

func newEnv(t *testing.T) env {
	dir := t.TempDir()
	return env{home: filepath.Join(dir, "config"), state: filepath.Join(dir, "sandbox.db")}
}

func (e env) vars() []string {
	// The race runtime sleeps 1 s before exiting unless told otherwise: that
	// would be measured as ours by the shutdown test (and slows every test).
	return []string{"XDG_CONFIG_HOME=" + e.home, "MYAPI_SANDBOX_IMPORT_DELAY=100ms", "MYAPI_LOG_LEVEL=debug", "GORACE=atexit_sleep_ms=0", "MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=1"}
}

func (e env) sandboxArgs() []string {
	if e.args != nil {
		return e.args
	}
	return []string{"--sandbox", "--sandbox-state", e.state}
}

func startMCP(t *testing.T, e env, protocol string, extra ...string) *session {
	t.Helper()
	return startMCPCmd(t, e, protocol, nil, nil, extra...)
}

// startMCPCmd starts the server behind wrapper (a command and its args, run
// with the binary's command line appended), with extra environment.
func startMCPCmd(t *testing.T, e env, protocol string, wrapper, extraEnv []string, extra ...string) *session {
	t.Helper()
	s := startStdio(t, e, protocol, stdioOpts{wrapper: wrapper, extraEnv: extraEnv}, extra...)
	if got := s.c.ProtocolVersion(); got != protocol {
		t.Fatalf("negotiated %s, want %s", got, protocol)
	}
	return s
}

// stdioOpts says how startStdio runs the server and what its client offers.
type stdioOpts struct {
	wrapper  []string // a command and its args, run with the binary's command line appended
	extraEnv []string
	answers  client.ElicitationHandler // the human; nil: the session itself says yes (s.asked)
	roots    rootsOf                   // the client's workspace folders; nil: none offered
	urlMode  bool                      // the client can open a URL for the human (elicitation.url)
}

// startStdio starts the binary on stdio and initializes an MCP session
// with it that can answer elicitations, keeping its notifications.
func startStdio(t *testing.T, e env, protocol string, o stdioOpts, extra ...string) *session {
	t.Helper()
	s := &session{t: t, stderr: &syncBuffer{}, home: e.home, state: e.state}
	args := append(append([]string{binary, "stdio"}, e.sandboxArgs()...), extra...)
	if len(o.wrapper) > 0 {
		args = append(append([]string{}, o.wrapper...), args...)
	}
	tr := transport.NewStdioWithOptions(args[0], append(e.vars(), o.extraEnv...), args[1:], transport.WithCommandStderrWriter(s.stderr))
	var answers client.ElicitationHandler = s
	if o.answers != nil {
		answers = o.answers
	}
	opts := []client.ClientOption{client.WithElicitationHandler(answers), client.WithProtocolVersion(protocol)}
	if o.roots != nil {
		opts = append(opts, client.WithRootsHandler(o.roots))
	}
	s.c = client.NewClient(tr, opts...)
	ctx := context.Background()
	if err := s.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.c.Close() })
	s.c.OnNotification(func(n mcp.JSONRPCNotification) {
		s.mu.Lock()
		s.notes = append(s.notes, n)
		s.mu.Unlock()
	})
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = protocol
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	if o.urlMode {
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}
	}
	if _, err := s.c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize (%s): %v\nstderr:\n%s", protocol, err, s.stderr)
	}
	return s
}

// Elicit is the human: always yes, and counted.
func (s *session) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	s.asked.Add(1)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}

func (s *session) call(name string, args map[string]any, progressToken string) (*mcp.CallToolResult, map[string]any) {
	s.t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	if progressToken != "" {
		req.Params.Meta = &mcp.Meta{ProgressToken: progressToken}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.c.CallTool(ctx, req)
	if err != nil {
		s.t.Fatalf("%s: %v\nstderr:\n%s", name, err, s.stderr)
	}
	raw, _ := json.Marshal(res)
	s.mu.Lock()
	s.results = append(s.results, string(raw))
	s.mu.Unlock()
	sc, _ := res.StructuredContent.(map[string]any)
	return res, sc
}

func (s *session) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	res, sc := s.call(name, args, "")
	if res.IsError {
		s.t.Fatalf("%s failed: %s", name, text(res))
	}
	return sc
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// cli runs the binary with the test's environment and returns its output.
func cli(t *testing.T, e env, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cmd.Environ(), e.vars()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// secretsOf reads the profile's stored secrets the way a human would.
func secretsOf(t *testing.T, e env) map[string]string {
	t.Helper()
	out, errs, code := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, e.sandboxArgs()...)...)
	if code != 0 {
		t.Fatalf("auth export: %d %s", code, errs)
	}
	secrets := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") && k != "MYAPI_ACCOUNT_ID" && k != "MYAPI_BASE_URL" &&
			k != "MYAPI_SANDBOX" && k != "MYAPI_SANDBOX_STATE" {
			secrets[k] = v
		}
	}
	return secrets
}

func TestStdioStory(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	for _, protocol := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			story(t, protocol)
		})
	}
}

func story(t *testing.T, protocol string) {
	e := newEnv(t)
	// One era logs to stderr, the other to a --log-file: both are scanned.
	var logFile string
	var extra []string
	if protocol == mcp.LATEST_PROTOCOL_VERSION {
		logFile = filepath.Join(t.TempDir(), "server.log")
		extra = []string{"--log-file", logFile}
	}
	s := startMCP(t, e, protocol, extra...)
	ctx := context.Background()

	list, err := s.c.ListTools(ctx, mcp.ListToolsRequest{})
	if want := len(tools.Catalog(tools.Config{})); err != nil || len(list.Tools) != want {
		t.Fatalf("tools/list: %d, want the inventory's %d: %v", len(list.Tools), want, err)
	}
	prompts, err := s.c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(prompts.Prompts) != len(promptsPkg.All()) {
		t.Fatalf("prompts/list: %+v %v", prompts, err)
	}
	pr := mcp.GetPromptRequest{}
	pr.Params.Name, pr.Params.Arguments = "brand_from_domain", map[string]string{"domain": "Acme.com"}
	if got, err := s.c.GetPrompt(ctx, pr); err != nil || !strings.Contains(got.Messages[0].Content.(mcp.TextContent).Text, "acme.com") {
		t.Fatalf("prompt: %+v %v", got, err)
	}
	pr.Params.Arguments = nil
	if _, err := s.c.GetPrompt(ctx, pr); err == nil {
		t.Fatal("a prompt without its required argument was rendered")
	}

	// A webhook receiver that checks nothing but counts what arrives.
	var hooks atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-MyAPIHQ-Signature") != "" {
			hooks.Add(1)
		}
	}))
	defer receiver.Close()

	if who := s.ok("whoami", nil); who["service"] != "sandbox" || who["account_id"] != "" {
		t.Fatalf("whoami: %v", who)
	}
	s.ok("create_agent", map[string]any{"label": "e2e"})
	org := s.ok("create_org", map[string]any{"name": "E2E Org", "gdpr_enabled": true})
	s.ok("create_webhook", map[string]any{"org_id": org["id"], "url": receiver.URL})
	s.ok("update_org", map[string]any{"org_id": org["id"], "description": "changed"})
	waitFor(t, 10*time.Second, "a signed webhook delivery", func() bool { return hooks.Load() > 0 })

	setup := s.ok("setup_payment", nil)
	if err := sandbox.CompleteCheckout(ctx, http.DefaultClient, setup["url"].(string)); err != nil {
		t.Fatalf("checkout: %v", err)
	}
	top := s.ok("top_up", map[string]any{"amount_cents": 1500})
	if top["new_balance_cents"] != float64(1500) || s.asked.Load() != 1 {
		t.Fatalf("top_up: %v (asked %d)", top, s.asked.Load())
	}

	res, job := s.call("import_brand", map[string]any{"domain": "e2e-brand.com"}, "progress-1")
	if res.IsError || job["status"] != "awaiting_confirmation" {
		t.Fatalf("import: %s", text(res))
	}
	imported := s.ok("confirm_import", map[string]any{"job_id": job["id"], "description": "reviewed"})
	orgs := s.ok("list_orgs", nil)["items"].([]any)
	if len(orgs) != 2 || orgs[1].(map[string]any)["id"] != imported["id"] {
		t.Fatalf("orgs: %v", orgs)
	}
	bal := s.ok("get_balance", nil)
	hist := s.ok("get_billing_history", nil)["items"].([]any)
	if bal["balance_cents"] != float64(1475) || len(hist) != 2 {
		t.Fatalf("balance %v, history %v", bal, hist)
	}

	// Progress notifications arrive (their order: TestToolsProgressBeforeResponse*).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		n := 0
		for _, note := range s.notes {
			if note.Method == "notifications/progress" && note.Params.AdditionalFields["progressToken"] == "progress-1" {
				n++
			}
		}
		s.mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d progress notifications", n)
		}
	}

	// A human account, to have a password to look for too.
	s.ok("register_account", map[string]any{"email": "e2e@example.com", "password": "e2e-password-123"})

	// No PIN, API key, JWT or password in any result, on stderr or in the log file.
	secrets := secretsOf(t, e)
	if secrets["MYAPI_PIN"] == "" || secrets["MYAPI_API_KEY"] == "" || secrets["MYAPI_TOKEN"] == "" {
		t.Fatalf("secrets not stored: %v", secrets)
	}
	scan := newScanner()
	for k, v := range secrets {
		scan.secret(k, v)
	}
	scan.secret("password", "e2e-password-123")
	scan.text("stderr", s.stderr.String())
	s.mu.Lock()
	for i, r := range s.results {
		scan.text(fmt.Sprintf("result %d", i), r)
	}
	s.mu.Unlock()
	logs := s.stderr.String()
	if logFile != "" {
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		if info, _ := os.Stat(logFile); info.Mode().Perm() != 0o600 {
			t.Fatalf("log file mode %v", info.Mode().Perm())
		}
		logs = string(b)
		scan.text("log file", logs)
	}
	if !strings.Contains(logs, `"level":"debug"`) {
		t.Fatalf("the scan looked at no debug log: %q", logs)
	}
	scan.check(t)
}

func TestStdioReadOnly(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	s := startMCP(t, e, mcp.ProtocolVersion20251125, "--read-only")
	tools, err := s.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if tool.Annotations.ReadOnlyHint == nil || !*tool.Annotations.ReadOnlyHint {
			t.Fatalf("read-only server lists %s", tool.Name)
		}
	}
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "create_agent", map[string]any{}
	res, err := s.c.CallTool(context.Background(), req)
	if err == nil && !res.IsError {
		t.Fatal("--read-only ran create_agent")
	}
	s.ok("whoami", nil)
}

// TestStdoutIsOnlyJSONRPC speaks raw JSON-RPC, including bad requests, and
// checks that every line on stdout is a JSON-RPC message.
func TestStdoutIsOnlyJSONRPC(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	cmd := exec.Command(binary, append([]string{"stdio"}, e.sandboxArgs()...)...)
	cmd.Env = append(cmd.Environ(), e.vars()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader(strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"top_up","arguments":{"amount_cents":"lots"}}}`,
		`this is not json`,
		`{"jsonrpc":"2.0","id":6,"method":"ping"}`,
	}, "\n") + "\n")
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not exit at EOF")
	}
	ids := map[float64]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var msg map[string]any
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg["jsonrpc"] != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC: %q", line)
		}
		if id, ok := msg["id"].(float64); ok {
			ids[id] = true
		}
	}
	for _, id := range []float64{1, 2, 3, 4, 5, 6} {
		if !ids[id] {
			t.Errorf("no answer to request %v:\n%s", id, stdout.String())
		}
	}
	if stderr.Len() == 0 {
		t.Fatal("nothing logged to stderr")
	}
}

// TestTwoProcessesOnboardOneAccount: two servers on one profile call
// create_agent at once; the profile lock makes one account, which both use.
func TestTwoProcessesOnboardOneAccount(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	a := startMCP(t, e, mcp.ProtocolVersion20251125)
	b := startMCP(t, e, mcp.ProtocolVersion20251125)
	ids := make(chan any, 2)
	for _, s := range []*session{a, b} {
		go func() {
			res, sc := s.call("create_agent", nil, "")
			if res.IsError {
				ids <- "error: " + text(res)
				return
			}
			ids <- sc["account_id"]
		}()
	}
	first, second := <-ids, <-ids
	if first != second || first == "" {
		t.Fatalf("two processes ended with accounts %v and %v", first, second)
	}
	who := a.ok("whoami", nil)
	resp, err := http.Get(who["base_url"].(string) + "/_sandbox/ledger")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ledger map[string]float64
	json.NewDecoder(resp.Body).Decode(&ledger)
	if ledger["agents"] != 1 || ledger["api_keys"] != 1 {
		t.Fatalf("ledger: %v", ledger)
	}
	b.ok("list_orgs", nil) // the second process uses the first's credentials
}

func TestAuthCommands(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	sb := e.sandboxArgs()
	envFile := filepath.Join(t.TempDir(), ".env")
	pin, key := "pin-e2e-0123456789abcdef", "hq_live_e2eabcdefghijklmnopqrstuvwxyz0123456"
	writeFile(t, envFile, "MYAPI_ACCOUNT_ID=acct_e2e\nMYAPI_PIN="+pin+"\nMYAPI_API_KEY="+key+"\n")

	if out, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", envFile}, sb...)...); code != 0 || !strings.Contains(out, "MYAPI_PIN") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	status, _, code := cli(t, e, append([]string{"auth", "status"}, sb...)...)
	if code != 0 || !strings.Contains(status, "acct_e2e") || !strings.Contains(status, "••••cdef") || !strings.Contains(status, "hq_live_…3456") {
		t.Fatalf("status: %d\n%s", code, status)
	}
	masked, _, _ := cli(t, e, append([]string{"auth", "export"}, sb...)...)
	full, _, _ := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, sb...)...)
	asJSON, _, _ := cli(t, e, append([]string{"auth", "status", "--json"}, sb...)...)
	scan := newScanner()
	scan.secret("pin", pin)
	scan.secret("key", key)
	scan.text("status", status)
	scan.text("export", masked)
	scan.text("status --json", asJSON)
	scan.check(t)
	if !strings.Contains(full, pin) || !strings.Contains(full, key) {
		t.Fatalf("export --show-secrets:\n%s", full)
	}
	// A masked export imported back would store the masks over the
	// secrets (the PIN lost for good): refused, and nothing changes.
	maskedFile := filepath.Join(t.TempDir(), "masked.env")
	writeFile(t, maskedFile, masked)
	if _, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", maskedFile}, sb...)...); code != 1 || !strings.Contains(errs, "masked") {
		t.Fatalf("import of a masked export: exit %d: %s", code, errs)
	}
	if again, _, _ := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, sb...)...); again != full {
		t.Fatalf("a refused import changed the store:\n%s", again)
	}
	if out, _, code := cli(t, e, append([]string{"auth", "logout", "--yes"}, sb...)...); code != 0 || !strings.Contains(out, "Deleted") {
		t.Fatalf("logout: %d %s", code, out)
	}
	if status, _, _ := cli(t, e, append([]string{"auth", "status"}, sb...)...); strings.Contains(status, "••••cdef") {
		t.Fatalf("after logout:\n%s", status)
	}
	if _, errs, code := cli(t, e, "auth", "import", "--env-file", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(errs, "missing") {
		t.Fatalf("missing file: %d %s", code, errs)
	}
	if _, _, code := cli(t, e, "auth", "frobnicate"); code != 2 {
		t.Fatalf("unknown auth command: exit %d", code)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	out, _, code := cli(t, e, "--help")
	if code != 0 || !strings.Contains(out, "\n  demo ") || !strings.Contains(out, "Examples:") {
		t.Fatalf("--help: %d\n%s", code, out)
	}
	for cmd, flagWanted := range map[string]string{"stdio": "MYAPI_READ_ONLY", "http": "--http-token", "sandbox": "--faults",
		"auth": "status", "auth export": "--show-secrets", "tools": "--markdown", "demo": "Usage"} {
		out, errs, code := cli(t, e, append([]string{"help"}, strings.Fields(cmd)...)...)
		if code != 0 || !strings.Contains(out, flagWanted) || errs != "" {
			t.Fatalf("help %s: %d\n%s\nstderr: %s", cmd, code, out, errs)
		}
		if !strings.Contains(cmd, " ") && !strings.Contains(out, "Examples:\n  myapihq-mcp") {
			t.Fatalf("help %s has no examples:\n%s", cmd, out)
		}
	}
	if _, errs, code := cli(t, e, "help", "nosuch"); code != 2 || !strings.Contains(errs, "unknown help topic") {
		t.Fatalf("help nosuch: exit %d %s", code, errs)
	}
	if out, _, code := cli(t, e, "help", "help"); code != 0 || !strings.Contains(out, "help [command]") {
		t.Fatalf("help help: %d %s", code, out)
	}
	if out, _, code := cli(t, e, "completion", "bash"); code != 0 || !strings.Contains(out, "myapihq-mcp") {
		t.Fatalf("completion bash: %d", code)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, code := cli(t, e, args...)
		if code != 0 || !strings.HasPrefix(out, "myapihq-mcp ") || strings.Count(out, "\n") != 1 {
			t.Fatalf("%v: %d %q", args, code, out)
		}
	}
	if _, _, code := cli(t, e, "nonsense"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// TestDemo: the newcomer's command runs green, whatever MYAPI_* variables
// the user has set (a stale key, read-only, another profile).
func TestDemo(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	out, errs, code := cliEnv(t, e, []string{"MYAPI_READ_ONLY=1", "MYAPI_API_KEY=hq_live_staleabcdefghijklmnopqrstuvwxyz0123", "MYAPI_TOOLSETS=orgs",
		"MYAPI_PIN=stale-pin-0123456789", "MYAPI_BASE_URL=http://127.0.0.1:9"}, "demo")
	if code != 0 || !strings.Contains(out, "Done:") || !strings.Contains(out, "progress") || !strings.Contains(out, "asks the human") ||
		!strings.Contains(out, "/_sandbox/console") {
		t.Fatalf("demo: %d\n%s\n%s", code, out, errs)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// auth rotate-key replaces the stored key and revokes the old one, and
// prints neither (the README's fix for a 401 no longer needs a key in the
// model's context).
func TestAuthRotateKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	onboardDefault(t, e, "rotate")
	before := secretsOf(t, e)["MYAPI_API_KEY"]

	out, errs, code := cli(t, e, append([]string{"auth", "rotate-key"}, e.sandboxArgs()...)...)
	if code != 0 || !strings.Contains(out, "Revoked the old key") {
		t.Fatalf("rotate-key: %d\n%s\n%s", code, out, errs)
	}
	after := secretsOf(t, e)["MYAPI_API_KEY"]
	if after == "" || after == before {
		t.Fatalf("the stored key did not change")
	}
	scan := newScanner()
	scan.secret("old key", before)
	scan.secret("new key", after)
	scan.text("rotate-key stdout", out)
	scan.text("rotate-key stderr", errs)
	scan.check(t)

	// The new key works and the old one is gone from the workspace's list.
	s2 := startMCP(t, e, mcp.ProtocolVersion20251125)
	keys := s2.ok("list_keys", nil)
	raw, _ := json.Marshal(keys)
	if strings.Contains(string(raw), before[len(before)-4:]+`"`) {
		t.Fatalf("the old key is still listed: %s", raw)
	}
}

// TestToolsListOnTheHeelsOfInitialize: the tools are registered while the
// initialize answer is on its way (app.Build); a host that sends tools/list
// and a call in the same write as initialize still sees every tool.
func TestToolsListOnTheHeelsOfInitialize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, _, code := cli(t, e, "tools", "--json")
	if code != 0 {
		t.Fatalf("tools --json: exit %d", code)
	}
	var offered struct{ Tools []json.RawMessage }
	if err := json.Unmarshal([]byte(out), &offered); err != nil || len(offered.Tools) < 30 {
		t.Fatalf("tools --json: %v (%d tools)", err, len(offered.Tools))
	}
	input := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_balance","arguments":{}}}`,
	}, "\n") + "\n"
	for i := range 8 {
		cmd := exec.Command(binary, append([]string{"stdio"}, e.sandboxArgs()...)...)
		cmd.Env = append(cmd.Environ(), e.vars()...)
		cmd.Stdin = strings.NewReader(input)
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
			var msg struct {
				ID     int             `json:"id"`
				Error  json.RawMessage `json:"error"`
				Result struct {
					Tools []json.RawMessage `json:"tools"`
				} `json:"result"`
			}
			if json.Unmarshal([]byte(line), &msg) != nil {
				t.Fatalf("run %d: not JSON: %q", i, line)
			}
			switch {
			case msg.Error != nil:
				t.Fatalf("run %d: request %d right after initialize failed: %s", i, msg.ID, msg.Error)
			case msg.ID == 2 && len(msg.Result.Tools) != len(offered.Tools):
				t.Fatalf("run %d: tools/list right after initialize listed %d tools, the server offers %d", i, len(msg.Result.Tools), len(offered.Tools))
			}
		}
	}
}
