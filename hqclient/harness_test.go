package hqclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// clock is a settable time source shared by a sandbox and its clients.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one sandbox on httptest with an injected clock.
type env struct {
	t     testing.TB
	clock *clock
	sb    *sandbox.Server
	srv   *httptest.Server
	// sleeps records every retry wait a client asked for, instead of sleeping.
	mu     sync.Mutex
	sleeps []time.Duration
}

func newEnv(t testing.TB, opts sandbox.Options, wrap ...func(http.Handler) http.Handler) *env {
	t.Helper()
	e := &env{t: t, clock: newClock()}
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.PasswordIterations == 0 {
		opts.PasswordIterations = 1000 // tests need no brute-force resistance
	}
	if opts.WebhookRetryBase == 0 {
		opts.WebhookRetryBase = time.Millisecond
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sb
	for _, w := range wrap {
		h = w(h)
	}
	e.sb, e.srv = sb, httptest.NewServer(h)
	t.Cleanup(func() {
		e.srv.Close()
		sb.Close()
	})
	return e
}

func (e *env) client(creds hqclient.Credentials) *hqclient.Client {
	e.t.Helper()
	c, err := hqclient.New(hqclient.Options{
		BaseURL: e.srv.URL, Credentials: creds, Version: "test", Now: e.clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.mu.Lock()
			e.sleeps = append(e.sleeps, d)
			e.mu.Unlock()
			return ctx.Err()
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// agent onboards an agent the way create_agent does: account, then API key.
func (e *env) agent(label string) (*hqclient.Client, *hqclient.StaticCredentials, hqclient.AgentAccount) {
	e.t.Helper()
	ctx := context.Background()
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c := e.client(creds)
	a, err := c.CreateAgent(ctx, label)
	if err != nil {
		e.t.Fatalf("create agent: %v", err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.AccountID, s.PIN, s.Token = a.Data.AccountID, a.Data.PIN, a.Data.Token })
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "agent-key"})
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.APIKey = k.Data.APIKey })
	return c, creds, a.Data
}

// fund gives the client's account a card and a balance.
func (e *env) fund(c *hqclient.Client, cents int64) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := c.ConfirmPaymentSetup(ctx, "pm_card_visa"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.TopUp(ctx, cents); err != nil {
		e.t.Fatal(err)
	}
}

type mail struct {
	To, Kind, Subject, Link, Token string
}

func (e *env) outbox(to string) []mail {
	e.t.Helper()
	var out []mail
	e.getJSON("/_sandbox/outbox?to="+to, &out)
	return out
}

func (e *env) ledger() map[string]int64 {
	e.t.Helper()
	out := map[string]int64{}
	e.getJSON("/_sandbox/ledger", &out)
	return out
}

func (e *env) getJSON(path string, v any) {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		e.t.Fatalf("decode %s: %v", path, err)
	}
}

// human registers, verifies through the outbox link, and logs in.
func (e *env) human(email string) (*hqclient.Client, *hqclient.StaticCredentials) {
	e.t.Helper()
	ctx := context.Background()
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c := e.client(creds)
	if _, err := c.Register(ctx, hqclient.EmailPassword{Email: email, Password: "correct horse"}); err != nil {
		e.t.Fatalf("register: %v", err)
	}
	mails := e.outbox(email)
	if len(mails) == 0 || mails[0].Kind != "verify" {
		e.t.Fatalf("no verification mail for %s: %+v", email, mails)
	}
	resp, err := http.Get(mails[0].Link)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("verify link: %v %v", err, resp)
	}
	resp.Body.Close()
	tok, err := c.Login(ctx, hqclient.EmailPassword{Email: email, Password: "correct horse"})
	if err != nil {
		e.t.Fatalf("login: %v", err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.Token, s.AccountID = tok.Data.Token, tok.Data.AccountID })
	return c, creds
}

// wantErr fails unless err is an *hqclient.Error with that status and code.
func wantErr(t *testing.T, err error, status int, code string) *hqclient.Error {
	t.Helper()
	e, ok := hqclient.AsError(err)
	if !ok {
		t.Fatalf("want HQ error %d %s, got %v", status, code, err)
	}
	if e.Status != status || (code != "" && e.Code != code) {
		t.Fatalf("want %d %s, got %d %s: %v", status, code, e.Status, e.Code, e)
	}
	if e.Message == "" || (status != 0 && e.RequestID == "") {
		t.Fatalf("error lacks message or request id: %+v", e)
	}
	return e
}
