package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const hostileName = "<img src=x onerror=alert(1)>\x1b[31m\u202eevil"

// story is what an agent and its human did on a sandbox, and every secret the
// story saw, which the console must never show.
type story struct {
	tt                          *tester
	agent, human, org, delivery string
	email                       string
	secrets                     map[string]string
}

func runStory(t *testing.T, opts Options) *story {
	t.Helper()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(hook.Close)
	opts.AllowPrivateWebhooks = true // the receiver is on loopback
	tt := newTester(t, opts)
	st := &story{tt: tt, email: "ada@example.com", secrets: map[string]string{}}

	code, a := tt.do("POST", "/hq/account/agent/create", "", map[string]any{"label": "<b>agent</b>"})
	if code != 201 {
		t.Fatalf("agent: %d %v", code, a)
	}
	st.agent = a["account_id"].(string)
	jwt := a["token"].(string)
	st.secrets["pin"], st.secrets["jwt"] = a["pin"].(string), jwt
	_, k := tt.do("POST", "/hq/account/create/key", jwt, map[string]any{"name": "ci key"})
	key := k["api_key"].(string)
	st.secrets["api key"] = key
	_, k2 := tt.do("POST", "/hq/account/create/key", jwt, map[string]any{"name": "old key"})
	st.secrets["revoked key"] = k2["api_key"].(string)
	tt.do("DELETE", "/hq/account/delete/key/"+k2["id"].(string), jwt, nil)

	_, o := tt.do("POST", "/hq/orgs", key, map[string]any{"name": hostileName, "description": "<script>alert(2)</script>",
		"color_palette": map[string]any{"primary": "#112233", "evil": "red;background:url(x)"}})
	st.org = o["id"].(string)
	_, wh := tt.do("POST", "/hq/orgs/"+st.org+"/webhooks", key, map[string]any{"url": hook.URL, "name": "<i>hook</i>"})
	st.secrets["webhook secret"] = wh["secret"].(string)
	tt.do("PATCH", "/hq/orgs/"+st.org, key, map[string]any{"description": "now with \u202ebidi and <svg onload=alert(3)>"})

	_, sp := tt.do("POST", "/hq/billing/setup-payment", jwt, nil)
	if err := CompleteCheckout(context.Background(), http.DefaultClient, sp["data"].(map[string]any)["url"].(string)); err != nil {
		t.Fatalf("checkout: %v", err)
	}
	tt.do("POST", "/hq/billing/topup", jwt, map[string]any{"amount_cents": 2000})
	if code, j := tt.do("POST", "/hq/org-imports", key, map[string]any{"domain": "northwind-traders.com"}); code != 202 && code != 201 {
		t.Fatalf("import: %d %v", code, j)
	}

	password := "correct horse battery staple"
	st.secrets["password"] = password
	_, h := tt.do("POST", "/hq/account/register", "", map[string]any{"email": st.email, "password": password})
	st.human = h["account_id"].(string)
	tt.do("POST", "/hq/account/agent/send-link-email", jwt, map[string]any{"email": st.email})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tt.s.FlushWebhooks(ctx); err != nil || hits.Load() == 0 {
		t.Fatalf("webhook not delivered: %v, %d hits", err, hits.Load())
	}
	_, d := tt.do("GET", "/_sandbox/deliveries?org_id="+st.org, "", nil)
	st.delivery = d["items"].([]any)[0].(map[string]any)["id"].(string)
	return st
}

func (st *story) console(t *testing.T, query string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(st.tt.srv.URL + "/_sandbox/console" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestConsoleRendersEverySection(t *testing.T) {
	t.Parallel()
	st := runStory(t, Options{})
	code, _, page := st.console(t, "")
	if code != 200 {
		t.Fatalf("console: %d %s", code, page)
	}
	want := map[string]string{
		"agent account":     st.agent,
		"human account":     st.human,
		"human email":       st.email,
		"masked key":        "hq_live_…" + st.secrets["api key"][len(st.secrets["api key"])-4:],
		"key name":          "ci key",
		"revoked key":       "revoked ",
		"org":               st.org,
		"webhook":           "&lt;i&gt;hook&lt;/i&gt;",
		"balance":           "$19.75",
		"chart":             `<svg class="chart"`,
		"top-up row":        "Top-up $20.00",
		"import charge row": "Brand import of northwind-traders.com",
		"import timeline":   `<ol class="timeline">`,
		"brand kit":         "Northwind Traders",
		"palette swatch":    `fill="#112233"`,
		"delivery":          st.delivery,
		"signature header":  SignatureHeader + "</th>",
		"delivery body":     "organization.updated",
		"verification mail": "Verify your MyAPIHQ account",
		"verify link":       `href="/_sandbox/verify?token=`,
		"link mail":         `href="/_sandbox/link?token=`,
		"request log":       "/hq/account/agent/create",
		"credential kinds":  `<td class="cred">api key</td>`,
		"jwt kind":          `<td class="cred">jwt</td>`,
		"request id":        "req_",
	}
	for what, s := range want {
		if !strings.Contains(page, s) {
			t.Errorf("%s: %q not on the page", what, s)
		}
	}
	if strings.Contains(page, "%!") { // fmt's mark of a verb without its argument, or of the wrong type
		t.Error("a format verb of the page and its arguments do not match")
	}
	if strings.Contains(page, "red;background") && strings.Contains(page, `fill="red`) {
		t.Error("a palette value that is not a hex color was used as a color")
	}

	// one account in focus
	_, _, one := st.console(t, "?account="+st.human)
	if !strings.Contains(one, st.email) || strings.Contains(one, `id="`+st.agent+`"`) {
		t.Error("?account= does not focus on one account")
	}
}

// The mailed links are the human's actions: they work from the console.
func TestConsoleMailLinkWorks(t *testing.T) {
	t.Parallel()
	st := runStory(t, Options{})
	_, _, page := st.console(t, "")
	m := regexp.MustCompile(`href="(/_sandbox/verify\?token=[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no verification link")
	}
	resp, err := http.Get(st.tt.srv.URL + strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("verify link: %v %v", resp, err)
	}
	resp.Body.Close()
	_, _, page = st.console(t, "?account="+st.human)
	if !strings.Contains(page, `<span class="pill ok">verified</span>`) {
		t.Error("the console does not show the human as verified after the link")
	}

	// the human accepts the agent's link with the mailed token: the console links both accounts
	m = regexp.MustCompile(`href="/_sandbox/link\?token=([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link mail")
	}
	_, login := st.tt.do("POST", "/hq/account/login", "", map[string]any{"email": st.email, "password": st.secrets["password"]})
	if code, out := st.tt.do("POST", "/hq/account/link-agent/accept", login["token"].(string), map[string]any{"token": m[1]}); code != 200 {
		t.Fatalf("accept: %d %v", code, out)
	}
	_, _, page = st.console(t, "")
	for _, s := range []string{`href="#` + st.human + `"`, `href="#` + st.agent + `"`} {
		if !strings.Contains(page, s) {
			t.Errorf("no link %s", s)
		}
	}
}

func TestConsoleHostileValuesAreInert(t *testing.T) {
	t.Parallel()
	st := runStory(t, Options{})
	// a brand kit as a website could write it (the sandbox derives its own)
	if _, err := st.tt.s.st.db.Exec(`UPDATE imports SET brand = ?`, `{"name":"<img src=x onerror=alert(4)>","description":"\u202e<script>alert(5)</script>",`+
		`"color_palette":{"primary":"#abc\" onload=\"alert(6)","accent":"#A1B2C3"}}`); err != nil {
		t.Fatal(err)
	}
	_, _, page := st.console(t, "")
	events := firstEvent(t, st)
	if !strings.Contains(page, `fill="#A1B2C3"`) || strings.Contains(page, `fill="#abc`) {
		t.Error("brand kit palette: only plain hex colors may become colors")
	}
	for name, out := range map[string]string{"page": page, "event stream": events} {
		for _, bad := range []string{"<img", "<script>alert", "<svg onload", "<b>agent", "<i>hook", "\x1b", "\u202e", `fill="red`, `onload="alert`, "<script>alert(5)"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: %q came through", name, bad)
			}
		}
		if !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;⟨U+001B⟩[31m⟨U+202E⟩evil") {
			t.Errorf("%s: the hostile org name is not shown escaped and visible", name)
		}
	}
	// the only scripts are the page's own file
	if n := strings.Count(page, "<script"); n != 1 || !strings.Contains(page, `<script src="/_sandbox/console/app.js" defer></script>`) {
		t.Errorf("%d script tags", n)
	}
}

func TestConsoleShowsNoSecret(t *testing.T) {
	t.Parallel()
	st := runStory(t, Options{})
	_, _, page := st.console(t, "")
	events := firstEvent(t, st)
	if len(st.secrets) < 6 {
		t.Fatalf("the story saw %d secrets", len(st.secrets))
	}
	for what, secret := range st.secrets {
		if len(secret) < 6 {
			t.Fatalf("%s is too short to grep for: %q", what, secret)
		}
		for name, out := range map[string]string{"page": page, "event stream": events} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: the %s is shown", name, what)
			}
		}
	}
	// nor anything shaped like a JWT or a full key
	for _, re := range []string{`eyJ[A-Za-z0-9_-]{10,}\.`, `hq_live_[A-Za-z0-9]{8,}`, `whsec_`} {
		if regexp.MustCompile(re).MatchString(page + events) {
			t.Errorf("%s matches the page", re)
		}
	}
}

func TestConsoleHeadersAndHost(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	for _, path := range []string{"", "/events", "/requests", "/app.js", "/style.css"} {
		for host, want := range map[string]int{"evil.example": 421, "127.0.0.1.nip.io": 421, "localhost": 200, "[::1]:80": 200} {
			req, _ := http.NewRequest("GET", tt.srv.URL+"/_sandbox/console"+path, nil)
			req.Host = host
			ctx, cancel := context.WithCancel(context.Background())
			resp, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != want {
				t.Errorf("%s with Host %s: %d, want %d", path, host, resp.StatusCode, want)
			}
			// A foreign Host is refused by the sandbox's guard before the
			// console, with a JSON error: no page, so no page headers.
			h := resp.Header
			if want != 200 {
				cancel()
				resp.Body.Close()
				continue
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				strings.Contains(csp, "unsafe-inline") || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s headers: %v", path, h)
			}
			cancel()
			resp.Body.Close()
		}
	}
}

// firstEvent reads the first page event of the live stream.
func firstEvent(t *testing.T, st *story) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", st.tt.srv.URL+"/_sandbox/console/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return nextEvent(t, bufio.NewReader(resp.Body))
}

func nextEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	inPage := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		switch {
		case line == "event: page\n":
			inPage = true
		case line == "\n" && inPage:
			return b.String()
		case inPage && strings.HasPrefix(line, "data: "):
			b.WriteString(strings.TrimPrefix(line, "data: "))
		}
	}
}

func TestConsoleStreamShowsNewTopUp(t *testing.T) {
	t.Parallel()
	st := runStory(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", st.tt.srv.URL+"/_sandbox/console/events?account="+st.agent, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	if first := nextEvent(t, r); strings.Contains(first, "Top-up $7.77") {
		t.Fatal("the top-up is there before it happens")
	}
	// a new top-up by the story's agent: log in again with its PIN
	_, a := st.tt.do("POST", "/hq/account/agent/token", "", map[string]any{"pin": st.secrets["pin"]})
	st.tt.do("POST", "/hq/billing/topup", a["token"].(string), map[string]any{"amount_cents": 777})
	for {
		ev := nextEvent(t, r)
		if strings.Contains(ev, "Top-up $7.77") && strings.Contains(ev, "$27.52") {
			return
		}
	}
}

func TestConsoleStreamEndsOnClose(t *testing.T) {
	t.Parallel()
	r, err := Start("127.0.0.1:0", Options{PasswordIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(r.BaseURL + "/_sandbox/console/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	nextEvent(t, bufio.NewReader(resp.Body))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("stop with a console open: %v", err)
	}
}

// A service stand-in's call is on the page with its host; a hostile path is inert.
func TestConsoleShowsServiceCalls(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	tt.s.console.log.add(loggedRequest{At: time.Now(), Method: "POST", Path: "/_services/mail.example/v1/<b>send", Status: 202,
		Service: "mail.example", Cred: "none", RequestID: "req_x"})
	st := &story{tt: tt}
	_, _, page := st.console(t, "")
	if !strings.Contains(page, `<span class="pill svc">mail.example</span>`) || !strings.Contains(page, "/v1/&lt;b&gt;send") {
		t.Fatalf("service call not shown:\n%s", page)
	}
}

func TestSandboxLinkKeepsOnlyOwnPaths(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:1/_sandbox/verify?token=a%2Bb": "/_sandbox/verify?token=a%2Bb",
		"http://evil.example/_sandbox/link?token=x":      "/_sandbox/link?token=x", // the path only: it opens on this sandbox
		"https://evil.example/login":                     "",
		"javascript:alert(1)":                            "",
		"http://127.0.0.1:1/_sandbox/../hq/orgs":         "",
	} {
		if got := sandboxLink(in); got != want {
			t.Errorf("sandboxLink(%q) = %q, want %q", in, got, want)
		}
	}
}

// The page changes nothing by itself: not even an import that is due, which
// the next API read would finalise.
func TestConsoleOnlyReads(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli())
	st := runStory(t, Options{ImportDelay: time.Second, Now: func() time.Time { return time.UnixMilli(now.Load()) }})
	now.Add(int64(time.Minute / time.Millisecond)) // the import is due
	dump := func() string {
		var b strings.Builder
		rows, err := st.tt.s.st.db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n) //nolint:errcheck
			tables = append(tables, n)
		}
		rows.Close()
		for _, tb := range tables {
			rows, err := st.tt.s.st.db.Query(`SELECT * FROM ` + tb)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				rows.Scan(ptrs...) //nolint:errcheck
				b.WriteString(tb)
				for _, v := range vals {
					b.WriteString("|")
					b.WriteString(strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", " ")))
				}
				b.WriteString("\n")
			}
			rows.Close()
		}
		return b.String()
	}
	before := dump()
	if !strings.Contains(before, "imports|") || !strings.Contains(before, "|pending|") {
		t.Fatalf("the story has no pending import:\n%s", before)
	}
	_, _, page := st.console(t, "")
	firstEvent(t, st)
	if resp, err := http.Get(st.tt.srv.URL + "/_sandbox/console/requests"); err == nil {
		resp.Body.Close()
	}
	if after := dump(); after != before {
		t.Fatalf("loading the console changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if !strings.Contains(page, "northwind-traders.com") {
		t.Fatal("the import is not on the page")
	}
}

// TestConsoleShowsAuditTrail: the server's trail, when given, is on the
// page newest first, hostile arguments escaped and visible; a trail that
// cannot be read is said, and a sandbox without one shows no section.
func TestConsoleShowsAuditTrail(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rows := []AuditRow{
		{Time: t0, Profile: "default", Tool: "top_up", Outcome: "done", Consent: "elicitation_accepted", Args: `{"amount_cents":2500}`, AmountCents: 2500},
		{Time: t0.Add(time.Hour), Profile: "default", Tool: "delete_org", Outcome: "declined", Consent: "elicitation_declined",
			Args: `{"org_id":"<img src=x onerror=alert(7)>` + "\u202e" + `"}`},
	}
	var fail atomic.Pointer[error] // set between two page loads, read by the server's goroutine
	tt := newTester(t, Options{Audit: func(context.Context) ([]AuditRow, error) {
		if err := fail.Load(); err != nil {
			return nil, *err
		}
		return rows, nil
	}})
	get := func(srvURL string) string {
		resp, err := http.Get(srvURL + "/_sandbox/console")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	page := get(tt.srv.URL)
	del, top := strings.Index(page, "delete_org"), strings.Index(page, "top_up")
	if del < 0 || top < 0 || del > top {
		t.Fatalf("audit rows missing or not newest first")
	}
	for _, want := range []string{"$25.00", "elicitation declined", "&lt;img src=x onerror=alert(7)&gt;⟨U+202E⟩", `class="o-declined"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<img") || strings.Contains(page, "\u202e") {
		t.Error("a hostile argument came through")
	}
	denied := errors.New("open audit.jsonl: permission denied")
	fail.Store(&denied)
	if page := get(tt.srv.URL); !strings.Contains(page, "The trail could not be read: open audit.jsonl: permission denied") {
		t.Error("an unreadable trail is not said")
	}
	plain := newTester(t, Options{})
	if page := get(plain.srv.URL); strings.Contains(page, "Audit trail") {
		t.Error("a sandbox without a server shows an audit section")
	}
}
