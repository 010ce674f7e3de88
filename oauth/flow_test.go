package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

func TestDiscoveryDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	get := func(path string) map[string]any {
		res, err := http.Get(srv.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&v) != nil {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		return v
	}
	for _, p := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		prm := get(p)
		if prm["resource"] != srv.url+"/mcp" || prm["authorization_servers"].([]any)[0] != srv.url {
			t.Errorf("%s: %v", p, prm)
		}
	}
	as := get("/.well-known/oauth-authorization-server")
	want := map[string]any{"issuer": srv.url, "authorization_endpoint": srv.url + "/authorize", "token_endpoint": srv.url + "/token",
		"registration_endpoint": srv.url + "/register", "revocation_endpoint": srv.url + "/revoke", "client_id_metadata_document_supported": true}
	for k, v := range want {
		if as[k] != v {
			t.Errorf("%s = %v, want %v", k, as[k], v)
		}
	}
	if m := as["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code_challenge_methods_supported = %v, want S256 only", m)
	}
	// The 401 points at the metadata.
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/mcp", nil)
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(res.Header.Get("WWW-Authenticate"), `resource_metadata="`+srv.url+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Errorf("401 challenge: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestAgentSignInFlow: register, authorize with an agent's key and PIN,
// redeem, call, refresh (rotating), call with the new token.
func TestAgentSignInFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	ag := e.agent("flow")
	a := e.register(srv, "Test Host")
	code := a.signInAsAgent(newBrowser(t), ag, "read write")
	at, rt := a.mustExchange(code)
	st, who := call(t, srv, at)
	if st != 200 || who["account"] != ag.id || who["has_key"] != true || !slices.Equal(toStrings(who["scopes"]), []string{"read", "write"}) {
		t.Fatalf("call: %d %v", st, who)
	}
	st, out := a.refresh(rt)
	if st != 200 || out["refresh_token"] == rt || out["scope"] != "read write" {
		t.Fatalf("refresh: %d %v", st, out)
	}
	if st, _ := call(t, srv, out["access_token"].(string)); st != 200 {
		t.Fatalf("the refreshed token: %d", st)
	}
	// A refresh may narrow the scopes, never widen them.
	st, narrow := a.refresh(out["refresh_token"].(string))
	if st != 200 {
		t.Fatal(narrow)
	}
	if st, o := a.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {narrow["refresh_token"].(string)}, "client_id": {a.ID}, "scope": {"read write billing"}}); st != 400 || o["error"] != "invalid_scope" {
		t.Errorf("widening refresh: %d %v", st, o)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestHumanSignInMakesAKeyForTheConnection: a human signs in, picks a
// linked agent, proves it with the agent's PIN; the grant acts with a key
// made for it, which ends with the grant.
func TestHumanSignInMakesAKeyForTheConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	ag, other := e.agent("mine"), e.agent("other")
	e.human("ada@example.com", "correct horse battery", ag)
	a := e.register(srv, "Human Host")
	b := newBrowser(t)
	p := b.get(a.AuthorizeURL(""))
	f := formOf(t, p.Body)
	f.Set("email", "ada@example.com")
	f.Set("password", "correct horse battery")
	p = b.submit(srv, "/authorize/human", f)
	if p.Code != 200 || !strings.Contains(p.Body, ag.id) || strings.Contains(p.Body, other.id) {
		t.Fatalf("choose page: %d %s", p.Code, p.Body)
	}
	// Another agent's PIN does not open this one.
	f = formOf(t, p.Body)
	f.Set("agent", ag.id)
	f.Set("pin", other.pin)
	if p2 := b.submit(srv, "/authorize/choose", f); p2.Code != 401 {
		t.Fatalf("someone else's PIN: %d", p2.Code)
	}
	f.Set("pin", ag.pin)
	p = b.submit(srv, "/authorize/choose", f)
	if p.Code != 200 || !strings.Contains(p.Body, ag.id) {
		t.Fatalf("consent: %d %s", p.Code, p.Body)
	}
	at, _ := a.mustExchange(a.allow(b, p.Body, nil))
	if st, who := call(t, srv, at); st != 200 || who["account"] != ag.id {
		t.Fatalf("call: %d %v", st, who)
	}
	keys := func() []hqclient.APIKey {
		c, _ := hqclient.New(hqclient.Options{BaseURL: e.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: ag.pin})})
		ks, err := c.ListKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ks.Data
	}
	named := func() int {
		n := 0
		for _, k := range keys() {
			if strings.HasPrefix(k.Name, "MCP connection: Human Host") && k.Status != "revoked" {
				n++
			}
		}
		return n
	}
	if named() != 1 {
		t.Fatalf("keys after the grant: %+v", keys())
	}
	if res, _ := http.PostForm(srv.url+"/revoke", url.Values{"token": {at}, "client_id": {a.ID}}); res.StatusCode != 200 {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if named() != 0 {
		t.Fatalf("the connection's key outlived it: %+v", keys())
	}
}

// TestGrantsAreSealedAtRest: the store holds neither the key nor the PIN,
// nor any token.
func TestGrantsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	ag := e.agent("sealed")
	a := e.register(srv, "Sealed")
	at, rt := a.mustExchange(a.signInAsAgent(newBrowser(t), ag, ""))
	m := e.store.(*MemoryStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.m {
		for _, secret := range []string{ag.key, ag.pin, at, rt, at[len(at)-43:], rt[len(rt)-43:]} {
			if strings.Contains(string(v.val), secret) || strings.Contains(k, secret) {
				t.Errorf("%s holds a secret in the clear", k)
			}
		}
	}
}

// TestTokensNeverReachTheHQ: MyAPIHQ sees API keys and JWTs it issued,
// never a token this server issued (no token passthrough).
func TestTokensNeverReachTheHQ(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	ag := e.agent("passthrough")
	a := e.register(srv, "Passthrough")
	at, rt := a.mustExchange(a.signInAsAgent(newBrowser(t), ag, ""))
	call(t, srv, at)
	a.refresh(rt)
	for _, h := range e.seen.all() {
		if IsToken(strings.TrimPrefix(h, "Bearer ")) {
			t.Fatalf("the HQ was sent one of our tokens: %.20s…", h)
		}
	}
}

func TestScopeFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t    ToolTraits
		want string
	}{{ToolTraits{ReadOnly: true}, ScopeRead}, {ToolTraits{}, ScopeWrite}, {ToolTraits{Charges: true}, ScopeBilling},
		{ToolTraits{ReadOnly: true, Charges: true}, ScopeBilling}} {
		if got := ScopeFor(c.t); got != c.want {
			t.Errorf("ScopeFor(%+v) = %s, want %s", c.t, got, c.want)
		}
	}
}

// TestDenyNeverIssuesACode: the person says no; the app is told so and
// holds nothing it could redeem.
func TestDenyNeverIssuesACode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	b := newBrowser(t)
	p := b.get(a.AuthorizeURL(""))
	f := formOf(t, p.Body)
	f.Set("api_key", e.agent("deny").key)
	p = b.submit(srv, "/authorize/agent", f)
	f = formOf(t, p.Body)
	f.Set("decision", "deny")
	f.Set("scope", "read")
	p = b.submit(srv, "/authorize/consent", f)
	loc, _ := url.Parse(p.H.Get("Location"))
	if p.Code != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" || loc.Query().Get("state") != a.State {
		t.Fatalf("deny: %d %s", p.Code, loc)
	}
}
