package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// The audit trail through the binary: what an audited call leaves in the
// local file, as myapihq://audit and `myapihq-mcp audit` show it, with the
// real stored secrets in the arguments and none in the trail. The
// multi-tenant trail: TestRemoteCluster.

// auditEntry is an entry as `audit --json` and the resource show it.
type auditEntry struct {
	Tool        string         `json:"tool"`
	Profile     string         `json:"profile"`
	Service     string         `json:"service"`
	Tenant      string         `json:"tenant"`
	Args        map[string]any `json:"args"`
	AmountCents int64          `json:"amount_cents"`
	Outcome     string         `json:"outcome"`
	Consent     string         `json:"consent"`
	Detail      string         `json:"detail"`
}

func (e env) auditFile() string { return filepath.Join(e.home, "myapihq-mcp", "audit", "audit.jsonl") }

// readAudit reads myapihq://audit through c.
func readAudit(t *testing.T, c *client.Client) (string, []auditEntry) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = "myapihq://audit"
	res, err := c.ReadResource(context.Background(), req)
	if err != nil || len(res.Contents) != 1 {
		t.Fatalf("read myapihq://audit: %v %+v", err, res)
	}
	raw := res.Contents[0].(mcp.TextResourceContents).Text
	var doc struct {
		Entries []auditEntry `json:"entries"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("myapihq://audit: %v: %s", err, raw)
	}
	return raw, doc.Entries
}

func findEntry(es []auditEntry, tool, outcome string) (auditEntry, bool) {
	for _, e := range es {
		if e.Tool == tool && e.Outcome == outcome {
			return e, true
		}
	}
	return auditEntry{}, false
}

// TestAuditTrailLocal: each audited call, once decided, is one entry with
// its outcome and how the human consented; reads and questions are not;
// the real PIN, key and JWT put in a call's arguments are in no entry, in
// the file (0600), the resource or the command's table and JSON.
func TestAuditTrailLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := &human{}
	s := startStdio(t, e, mcp.ProtocolVersion20251125, stdioOpts{answers: h})
	s.ok("create_agent", map[string]any{"label": "audited"})
	secrets := secretsOf(t, e)
	org := s.ok("create_org", map[string]any{"name": "Audited"})["id"]
	completeCheckout(t, s.ok("setup_payment", nil)["url"].(string))
	s.ok("top_up", map[string]any{"amount_cents": 500})
	h.decline.Store(true)
	if res, _ := s.call("top_up", map[string]any{"amount_cents": 700}, ""); !res.IsError {
		t.Fatal("a declined top_up went through")
	}
	h.decline.Store(false)
	s.ok("service_write", map[string]any{"service": "mydomainapi.com", "method": "POST", "path": "/v1/notes",
		"body": map[string]any{"pin": secrets["MYAPI_PIN"], "note": "key " + secrets["MYAPI_API_KEY"] + " jwt " + secrets["MYAPI_TOKEN"]}})
	if res, _ := s.call("revoke_key", map[string]any{"key_id": "key_missing"}, ""); !res.IsError {
		t.Fatal("revoking a missing key succeeded")
	}
	s.ok("delete_org", map[string]any{"org_id": org})
	s.ok("get_balance", nil) // reads leave nothing

	raw, es := readAudit(t, s.c)
	for _, want := range []struct{ tool, outcome, consent string }{
		{"top_up", "done", "elicitation_accepted"},
		{"top_up", "declined", "elicitation_declined"},
		{"service_write", "done", "elicitation_accepted"},
		{"revoke_key", "failed", "elicitation_accepted"},
		{"delete_org", "done", "elicitation_accepted"},
	} {
		got, found := findEntry(es, want.tool, want.outcome)
		if !found || got.Consent != want.consent || got.Profile != "default" || got.Service != "sandbox" {
			t.Errorf("no %s %s with consent %s: %+v", want.tool, want.outcome, want.consent, es)
		}
	}
	if len(es) != 5 {
		t.Errorf("%d entries, want 5 (one per decided call): %+v", len(es), es)
	}
	if top, _ := findEntry(es, "top_up", "declined"); top.AmountCents != 700 || top.Args["amount_cents"] != 700.0 {
		t.Errorf("the declined top-up's amount: %+v", top)
	}

	// The embedded sandbox's console shows the trail beside its request log.
	console := s.ok("whoami", nil)["console_url"].(string)
	page := httpGet(t, console)
	if !strings.Contains(page, "Audit trail") || !strings.Contains(page, `class="o-declined"`) || !strings.Contains(page, "elicitation declined") {
		t.Errorf("the console does not show the trail:\n%s", page)
	}

	fi, err := os.Stat(e.auditFile())
	if err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("the trail file: %v %v", fi, err)
	}
	file, _ := os.ReadFile(e.auditFile())
	table, errs, code := cli(t, e, "audit")
	asJSON, _, code2 := cli(t, e, "audit", "--json", "--since", "1h")
	future, _, code3 := cli(t, e, "audit", "--since", "2099-01-01")
	var cliEntries []auditEntry
	if code != 0 || code2 != 0 || code3 != 0 || json.Unmarshal([]byte(asJSON), &cliEntries) != nil || len(cliEntries) != 5 ||
		!strings.Contains(table, "elicitation_declined") || !strings.Contains(table, "$7.00") || !strings.Contains(future, "No audit entries since") {
		t.Fatalf("audit: %d %d %d\n%s\n%s\n%s\n%s", code, code2, code3, table, errs, asJSON, future)
	}
	if sw, _ := findEntry(cliEntries, "service_write", "done"); sw.Args["body"].(map[string]any)["pin"] != "[masked]" {
		t.Errorf("service_write's pin argument, as stored: %+v", sw.Args)
	}
	scan := newScanner()
	for name, v := range secrets {
		scan.secret(name, v)
	}
	scan.text("the trail file", string(file))
	scan.text("myapihq://audit", raw)
	scan.text("audit (table)", table)
	scan.text("audit --json", asJSON)
	scan.text("the console", page)
	scan.check(t)
}

// TestAuditConsentWithoutElicitation: a host that cannot ask leaves "no
// elicitation" in the trail; with --require-consent, the refusal.
func TestAuditConsentWithoutElicitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	onboardDefault(t, e, "no-elicitation")
	quiet := httpAt(t, startHTTP(t, e), mcp.LATEST_PROTOCOL_VERSION) // no elicitation capability
	org := mustOK(t, quiet, "create_org", map[string]any{"name": "Host approves"})["id"]
	mustOK(t, quiet, "delete_org", map[string]any{"org_id": org})
	strict := httpAt(t, startHTTP(t, e, "--require-consent"), mcp.LATEST_PROTOCOL_VERSION)
	mustFail(t, strict, "top_up", map[string]any{"amount_cents": 100}, "--require-consent")
	_, es := readAudit(t, strict)
	if got, found := findEntry(es, "delete_org", "done"); !found || got.Consent != "no_elicitation" {
		t.Errorf("delete_org without elicitation: %+v", es)
	}
	if got, found := findEntry(es, "top_up", "refused"); !found || got.Consent != "require_consent_refusal" || got.AmountCents != 100 {
		t.Errorf("top_up under --require-consent: %+v", es)
	}
}

// TestAuditCommandsRecordFlag: auth rotate-key and auth logout, which the
// human runs, are in the trail with consent "flag".
func TestAuditCommandsRecordFlag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	onboardDefault(t, e, "cli")
	before := secretsOf(t, e)
	sb := e.sandboxArgs()
	if _, errs, code := cli(t, e, append([]string{"auth", "rotate-key"}, sb...)...); code != 0 {
		t.Fatalf("rotate-key: %s", errs)
	}
	after := secretsOf(t, e)
	if _, errs, code := cli(t, e, append([]string{"auth", "logout", "--yes"}, sb...)...); code != 0 {
		t.Fatalf("logout: %s", errs)
	}
	out, _, _ := cli(t, e, "audit", "--json")
	var es []auditEntry
	json.Unmarshal([]byte(out), &es)
	rotated, found := findEntry(es, "rotate_key", "done")
	gone, found2 := findEntry(es, "logout", "done")
	if !found || !found2 || rotated.Consent != "flag" || gone.Consent != "flag" {
		t.Fatalf("trail: %s", out)
	}
	file, _ := os.ReadFile(e.auditFile())
	scan := newScanner()
	for name, v := range before {
		scan.secret("old "+name, v)
	}
	for name, v := range after {
		scan.secret("new "+name, v)
	}
	scan.text("the trail file", string(file))
	scan.check(t)
}

// TestAuditTrailFailureNeverBlocks: a trail that is full (/dev/full) or
// unreadable (a folder where the file should be) blocks no read; a top-up
// still happens, once, and its result says the entry is missing.
func TestAuditTrailFailureNeverBlocks(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("SKIP: no /dev/full on this system")
	}
	for name, spoil := range map[string]func(path string) error{
		"full":       func(p string) error { return os.Symlink("/dev/full", p) },
		"unreadable": func(p string) error { return os.Mkdir(p, 0o700) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if err := os.MkdirAll(filepath.Dir(e.auditFile()), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := spoil(e.auditFile()); err != nil {
				t.Fatal(err)
			}
			s := startMCP(t, e, mcp.ProtocolVersion20251125)
			s.ok("create_agent", nil)
			completeCheckout(t, s.ok("setup_payment", nil)["url"].(string))
			res, top := s.call("top_up", map[string]any{"amount_cents": 600}, "")
			if res.IsError || top["new_balance_cents"] != 600.0 || !strings.Contains(text(res), "could not be recorded in the audit trail") {
				t.Fatalf("top_up with a %s trail: %s", name, text(res))
			}
			bal, _ := s.call("get_balance", nil, "")
			if bal.IsError || strings.Contains(text(bal), "audit") {
				t.Fatalf("a read with a %s trail: %s", name, text(bal))
			}
			if b := s.ok("get_balance", nil); b["balance_cents"] != 600.0 {
				t.Fatalf("balance %v: the top-up ran twice or not at all", b)
			}
			raw, _ := readAudit(t, s.c) // answers, and says what it could not read
			if name == "unreadable" && !strings.Contains(raw, "unreadable") {
				t.Fatalf("myapihq://audit: %s", raw)
			}
		})
	}
}

func httpGet(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, res.Status)
	}
	return string(b)
}

// TestAuditKeepsNoSecretNamedMember: an audited call's arguments keep no
// value of a member whose name says it holds a secret, however the name is
// spelled (header style, camel case, spaces): the value is nobody's known
// secret and has no key or JWT shape, so only its name can tell. Before:
// X-Api-Key, api-key, Passphrase, private-key, JWT, Bearer and session_id
// values were in the trail file and `audit --json`; after: "[masked]".
func TestAuditKeepsNoSecretNamedMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := startStdio(t, e, mcp.ProtocolVersion20251125, stdioOpts{answers: &human{}})
	s.ok("create_agent", map[string]any{"label": "audited"})
	body := map[string]any{"note": "kept"}
	for i, name := range []string{"X-Api-Key", "api-key", "Api Key", "Passphrase", "private-key", "JWT", "Bearer", "session_id", "x_pwd"} {
		body[name] = "value-nobody-knows-" + string(rune('a'+i)) + "-0123456789"
	}
	// Refused by the service (no balance): recorded all the same.
	s.call("service_write", map[string]any{"service": "mydomainapi.com", "method": "POST", "path": "/v1/notes", "body": body}, "")
	asJSON, _, code := cli(t, e, "audit", "--json")
	file, _ := os.ReadFile(e.auditFile())
	if code != 0 || !strings.Contains(asJSON, `"kept"`) {
		t.Fatalf("audit --json: %d %s", code, asJSON)
	}
	for name, v := range body {
		if name != "note" && (strings.Contains(asJSON, v.(string)) || strings.Contains(string(file), v.(string))) {
			t.Errorf("the trail keeps the value of %q", name)
		}
	}
}

// TestAuditTrailFollowsNoSymlink: the trail is appended to, and made
// 0600, by name; a symbolic link put in its place (a shared or restored
// config folder) must not turn that into an append to, and a mode change
// of, another file. Before: an audited call appended its JSON line to the
// link's target and chmodded it 0600; after: the target is untouched and
// the call says its entry is missing.
func TestAuditTrailFollowsNoSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	t.Parallel()
	e := newEnv(t)
	victim := filepath.Join(t.TempDir(), "profile.sh")
	if err := os.WriteFile(victim, []byte("export PATH=/usr/bin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(e.auditFile()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, e.auditFile()); err != nil {
		t.Fatal(err)
	}
	s := startStdio(t, e, mcp.ProtocolVersion20251125, stdioOpts{answers: &human{}})
	s.ok("create_agent", map[string]any{"label": "audited"})
	res, _ := s.call("revoke_key", map[string]any{"key_id": "key_missing"}, "")
	b, _ := os.ReadFile(victim)
	fi, _ := os.Stat(victim)
	if string(b) != "export PATH=/usr/bin\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target was changed (mode %v):\n%s", fi.Mode().Perm(), b)
	}
	if !strings.Contains(text(res), "audit") {
		t.Errorf("the call does not say its entry is missing: %s", text(res))
	}
}
