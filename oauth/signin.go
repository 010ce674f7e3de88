package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// The sign-in steps. Each posted form is checked against its flow
// (formFlow), counted against the address and the account (limits.go), and
// only then are the secrets it carries sent to MyAPIHQ. A refusal says the
// same thing whatever was wrong, and never echoes a secret.

// formFail answers a form whose flow cannot be continued.
func (s *Server) formFail(w http.ResponseWriter, err error) {
	if errors.Is(err, errForm) {
		s.errorPage(w, http.StatusForbidden, err.Error())
		return
	}
	s.storeErr(w, err)
}

// secretField is a posted secret, trimmed; ok is false when it is too long
// or holds a control character (nothing MyAPIHQ would accept).
func secretField(r *http.Request, name string, max int) (string, bool) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if len(v) > max {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] == 0x7f {
			return "", false
		}
	}
	return v, true
}

// attempt runs one check of secrets with MyAPIHQ under the sign-in
// limits. When it cannot go on (limited, refused, MyAPIHQ unreachable) it
// answers with the page again, saying why, and returns false.
func (s *Server) attempt(w http.ResponseWriter, r *http.Request, name string, p page, acct, refused string, check func(context.Context) error) bool {
	ctx := r.Context()
	ok, why, err := s.signInAllowed(ctx, r, acct)
	if err != nil {
		s.storeErr(w, err)
		return false
	}
	if !ok {
		p.Error = why
		s.render(w, http.StatusTooManyRequests, name, p, "")
		return false
	}
	switch err := check(ctx); {
	case errors.Is(err, ErrRefused):
		s.failed(ctx, acct)
		s.log.Info().Str("step", name).Str("addr", s.clientAddr(r)).Msg("oauth: sign-in refused")
		p.Error = refused
		s.render(w, http.StatusUnauthorized, name, p, "")
		return false
	case err != nil:
		s.log.Warn().Err(err).Msg("oauth: MyAPIHQ unreachable during sign-in")
		p.Error = "MyAPIHQ cannot be reached right now. Try again in a minute."
		w.Header().Set("Retry-After", "30")
		s.render(w, http.StatusServiceUnavailable, name, p, "")
		return false
	}
	return true
}

// advance saves the flow at its next stage and shows that stage's page.
func (s *Server) advance(w http.ResponseWriter, r *http.Request, f *flow) {
	if err := s.putRecord(r.Context(), "flow:"+f.ID, f, s.o.FlowTTL); err != nil {
		s.storeErr(w, err)
		return
	}
	if f.Stage == "choose" {
		s.render(w, http.StatusOK, "choose", s.choosePage(f, ""), "")
		return
	}
	s.render(w, http.StatusOK, "consent", s.consentPage(f, ""), redirectSource(f.Redirect))
}

// signInAgent: an agent's API key, and optionally its PIN.
func (s *Server) signInAgent(w http.ResponseWriter, r *http.Request) {
	f, err := s.formFlow(r, "signin", false)
	if err != nil {
		s.formFail(w, err)
		return
	}
	p := s.pageFor(f, "Connect to MyAPIHQ")
	key, ok1 := secretField(r, "api_key", 512)
	pin, ok2 := secretField(r, "pin", 256)
	if !ok1 || !ok2 || key == "" {
		p.Error = "Enter the agent's API key (and its PIN, if you want billing and key tools)."
		s.render(w, http.StatusBadRequest, "signin", p, "")
		return
	}
	var a Account
	if !s.attempt(w, r, "signin", p, accountKey("key", key), "MyAPIHQ refused this API key or PIN (or they belong to different accounts).",
		func(ctx context.Context) (err error) { a, err = s.o.HQ.Agent(ctx, key, pin); return err }) {
		return
	}
	f.Stage, f.Account, f.Key, f.PIN = "consent", a, key, pin
	s.advance(w, r, f)
}

// signInHuman: a human's email and password; then the choice of agent.
func (s *Server) signInHuman(w http.ResponseWriter, r *http.Request) {
	f, err := s.formFlow(r, "signin", false)
	if err != nil {
		s.formFail(w, err)
		return
	}
	p := s.pageFor(f, "Connect to MyAPIHQ")
	email, ok1 := secretField(r, "email", 320)
	password, ok2 := secretField(r, "password", 1024)
	if ok1 && strings.Contains(email, "@") {
		p.Email = textsafe.Line(email, 320)
	}
	if !ok1 || !ok2 || email == "" || password == "" {
		p.Error = "Enter your email and password."
		s.render(w, http.StatusBadRequest, "signin", p, "")
		return
	}
	var agents []Account
	if !s.attempt(w, r, "signin", p, accountKey("email", email), "MyAPIHQ refused this email and password.",
		func(ctx context.Context) (err error) { agents, err = s.o.HQ.Human(ctx, email, password); return err }) {
		return
	}
	if len(agents) == 0 {
		p.Error = "No agent is linked to this account yet. Link one first (its PIN, in the MyAPIHQ dashboard or with the link_agent tool), or sign in with an agent's API key."
		s.render(w, http.StatusConflict, "signin", p, "")
		return
	}
	f.Stage, f.Agents = "choose", agents[:min(len(agents), 100)]
	s.advance(w, r, f)
}

func (s *Server) choosePage(f *flow, errText string) page {
	p := s.pageFor(f, "Choose an agent")
	p.Error = errText
	for _, a := range f.Agents {
		p.Agents = append(p.Agents, Account{ID: textsafe.Line(a.ID, 100), Label: textsafe.Line(a.Label, 60)})
	}
	return p
}

// chooseAgent: the human's pick, proved with that agent's PIN.
func (s *Server) chooseAgent(w http.ResponseWriter, r *http.Request) {
	f, err := s.formFlow(r, "choose", false)
	if err != nil {
		s.formFail(w, err)
		return
	}
	id := r.PostFormValue("agent")
	i := slices.IndexFunc(f.Agents, func(a Account) bool { return a.ID == id })
	pin, ok := secretField(r, "pin", 256)
	if i < 0 || !ok || pin == "" {
		s.render(w, http.StatusBadRequest, "choose", s.choosePage(f, "Pick one of your agents and enter its PIN."), "")
		return
	}
	if !s.attempt(w, r, "choose", s.choosePage(f, ""), accountKey("agent", id), "That is not this agent's PIN.",
		func(ctx context.Context) error {
			a, err := s.o.HQ.AgentByPIN(ctx, pin)
			if err == nil && a.ID != id {
				err = ErrRefused
			}
			return err
		}) {
		return
	}
	f.Stage, f.Account, f.PIN, f.MintKey, f.Agents = "consent", f.Agents[i], pin, true, nil
	s.advance(w, r, f)
}

// consent: allow (with the scopes left ticked) or deny. The flow is taken,
// so one answer counts, on whichever replica it lands.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	f, err := s.formFlow(r, "consent", true)
	if err != nil {
		s.formFail(w, err)
		return
	}
	ctx := r.Context()
	var scopes []string
	for _, sc := range r.PostForm["scope"] {
		if slices.Contains(f.Scopes, sc) && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if r.PostFormValue("decision") != "allow" || len(scopes) == 0 {
		s.log.Info().Str("client", logged(f.Client)).Msg("oauth: access denied by the user")
		s.redirectBack(w, r, f.Redirect, url.Values{"error": {"access_denied"}, "error_description": {"the user did not allow access"}, "state": {f.State}})
		return
	}
	g := &grant{ID: randid.Hex(16), Client: f.Client, ClientName: f.ClientName, Redirect: f.Redirect, Resource: s.resource,
		Scopes: ordered(scopes), Account: f.Account.ID, Key: f.Key, PIN: f.PIN, Challenge: f.Challenge, Created: s.now()}
	if f.MintKey {
		key, id, err := s.o.HQ.NewKey(ctx, f.PIN, keyName(f.ClientName))
		if err != nil {
			s.log.Warn().Err(err).Msg("oauth: could not make the connection's API key")
			s.errorPage(w, http.StatusBadGateway, "MyAPIHQ did not make an API key for this connection. Try again from the app.")
			return
		}
		g.Key, g.KeyID = key, id
	}
	code, codeHash := newToken(codePrefix, g.ID)
	g.Code, g.CodeExp = codeHash, s.now().Add(s.o.CodeTTL)
	if err := s.putGrant(ctx, g); err != nil {
		s.endKey(context.WithoutCancel(ctx), g)
		s.storeErr(w, err)
		return
	}
	s.log.Info().Str("grant", g.ID[:8]).Str("client", logged(g.Client)).Strs("scopes", g.Scopes).Bool("own_key", g.KeyID != "").
		Msg("oauth: access granted")
	s.redirectBack(w, r, f.Redirect, url.Values{"code": {code}, "state": {f.State}})
}

// keyName names the API key made for a human's connection, so it can be
// recognised (and revoked) in the key list.
func keyName(client string) string {
	if client == "" {
		client = "an unnamed app"
	}
	return textsafe.Line("MCP connection: "+client, 90)
}
