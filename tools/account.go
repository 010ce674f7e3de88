package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

var (
	pEmail    = toolkit.Param{Name: "email", Type: "string", Format: "email", Required: true, MaxLen: 254}
	pPassword = toolkit.Param{Name: "password", Type: "string", Required: true, MaxLen: 1024, Desc: "the human's password; never stored"}
	pAgentID  = toolkit.IDParam("agent_id", "from list_linked_agents")
)

func accountTools(d *Deps) []toolkit.Tool {
	return []toolkit.Tool{
		{
			Name: "create_agent", Toolset: Account, Title: "Create agent account (onboard)",
			Output: outAccount,
			Description: "Onboard in one call: create this profile's agent account and a permanent API key; the server stores " +
				"them, you never see them. Does nothing if the profile already has credentials (force=true starts over). Next: create_org.",
			Params: []toolkit.Param{
				{Name: "label", Type: "string", MaxLen: 100, Desc: "a name for the account"},
				{Name: "force", Type: "boolean", Desc: "replace this profile's stored account with a new one"},
			},
			Idempotent: true, OpenWorld: true, OwnKey: true, LocalOnly: true,
			Handler: d.bind(createAgent),
		},
		{
			Name: "whoami", Toolset: Account, Title: "Who am I",
			Meta:   appMeta,
			Output: outWhoami,
			Description: "Call first: the profile, its service (sandbox or live), account id and which credentials are stored " +
				"where (masked). No network.",
			ReadOnly: true, Idempotent: true,
			Handler: d.bind(whoami),
		},
		{
			Name: "logout", Toolset: Account, Title: "Forget stored credentials",
			Output: outObject,
			Description: "Delete this profile's credentials from this machine. The account stays, but without its PIN it " +
				"cannot be recovered. Only when the user asks.",
			Destructive: true, Idempotent: true, LocalOnly: true,
			Confirm: func(toolkit.Args) string {
				return "Forget this profile's MyAPIHQ credentials on this machine? Without its PIN the agent account cannot be recovered."
			},
			Audit:   true,
			Handler: d.bind(logout),
		},
		{
			Name: "login", Toolset: Account, Title: "Log in a human",
			Output: outObject,
			Description: "Log a human in (email, password) for the human-only tools: link_agent, list_linked_agents, " +
				"get_agent_balance/usage. Kept in memory, for this client only.",
			Params:     []toolkit.Param{pEmail, pPassword},
			Idempotent: true, OpenWorld: true, Human: true, LocalOnly: true,
			Handler: d.bind(login),
		},
		{
			Name: "register_account", Toolset: Account, Title: "Register a human account",
			Output:      outObject,
			Description: "Create a human account; a verification email follows and login works once it is verified.",
			Params:      []toolkit.Param{pEmail, {Name: "password", Type: "string", Required: true, MaxLen: 1024, Desc: "at least 8 characters; never stored"}},
			OpenWorld:   true, LocalOnly: true, // the human login family

			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).Register(ctx, hqclient.EmailPassword{Email: a.Str("email"), Password: a.Str("password")})
				if err != nil {
					return nil, err
				}
				next := "open the verification link sent to " + textsafe.Quote(a.Str("email")) + ", then call login"
				if d.Sandbox {
					next += " (sandbox: the mail is at " + d.BaseURL + "/_sandbox/outbox)"
				}
				return toolkit.OK(r.Raw, "Registered "+textsafe.Quote(a.Str("email"))+". Next: "+next+".")
			},
		},
		{
			Name: "link_agent", Toolset: Account, Title: "Link an agent to the human",
			Output: outObject,
			Description: "Link an agent account to the logged-in human (login first). Without pin it links this profile's " +
				"own agent, using its stored PIN.",
			Params:     []toolkit.Param{{Name: "pin", Type: "string", MaxLen: 200, Desc: "another agent's PIN; omit for this profile's agent"}},
			Idempotent: true, OpenWorld: true, Human: true, LocalOnly: true,
			Handler: d.bind(linkAgent),
		},
		{
			Name: "accept_agent_link", Toolset: Account, Title: "Accept an agent link",
			Output:      outObject,
			Description: "As the logged-in human, accept the link request token from a send_link_email message.",
			Params:      []toolkit.Param{{Name: "token", Type: "string", Required: true, MaxLen: 200, Desc: "from the link email"}},
			Idempotent:  true, OpenWorld: true, Human: true, LocalOnly: true,
			Handler: d.asHuman(func(ctx context.Context, h *hqclient.Client, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := h.AcceptAgentLink(ctx, a.Str("token"))
				return answer(r, err, func() string { return "Agent linked to the human account." })
			}),
		},
		{
			Name: "send_link_email", Toolset: Account, Title: "Ask a human to link this agent",
			Output:      outObject,
			Description: "Email a human a request to link this agent to their account; they accept it after logging in.",
			Params:      []toolkit.Param{pEmail},
			OpenWorld:   true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).SendLinkEmail(ctx, a.Str("email"))
				return answer(r, err, func() string { return "Link request sent to " + textsafe.Quote(a.Str("email")) + "." })
			},
		},
		{
			Name: "list_linked_agents", Toolset: Account, Title: "List linked agents",
			Output:      outList,
			Description: "List the agent accounts linked to the logged-in human (login first).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Human: true, LocalOnly: true, Untrusted: "other users (agent labels)",
			Handler: d.asHuman(func(ctx context.Context, h *hqclient.Client, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := h.ListAgents(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d linked agent(s).", len(r.Data)) })
			}),
		},
		{
			Name: "get_agent_balance", Toolset: Account, Title: "Get a linked agent's balance",
			Output:      outBalance,
			Description: "Balance of an agent linked to the logged-in human.",
			Params:      []toolkit.Param{pAgentID},
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Human: true, LocalOnly: true,
			Handler: d.asHuman(func(ctx context.Context, h *hqclient.Client, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := h.AgentBalance(ctx, a.Str("agent_id"))
				return answer(r, err, func() string {
					return fmt.Sprintf("Agent %s balance: %s.", textsafe.Quote(a.Str("agent_id")), textsafe.Quote(r.Data.BalanceDisplay))
				})
			}),
		},
		{
			Name: "get_agent_usage", Toolset: Account, Title: "Get a linked agent's usage",
			Output:      outObject,
			Description: "Usage metrics of an agent linked to the logged-in human.",
			Params:      []toolkit.Param{pAgentID},
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Human: true, LocalOnly: true,
			Handler: d.asHuman(func(ctx context.Context, h *hqclient.Client, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := h.AgentUsage(ctx, a.Str("agent_id"))
				return answer(r, err, func() string { return "Usage of agent " + textsafe.Quote(a.Str("agent_id")) + "." })
			}),
		},
	}
}

// createAgent is onboarding: account, PIN persisted before anything else,
// then a permanent API key. Under the profile's inter-process lock, so two
// servers starting at once end with one account.
func createAgent(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	force := a.Bool("force")
	if env := envOverrides(ctx, d); len(env) > 0 {
		// An account made now would be overridden by the variables at once
		// (a stale key then answers 401 on the next call).
		return mcp.NewToolResultError(fmt.Sprintf("create_agent refused: %s set in this server's environment and "+
			"override%s the credential store, so a new account would not be used. Unset %s in the host's configuration "+
			"of this server and restart it, then call create_agent (or keep using the account those variables name).",
			strings.Join(env, ", "), map[bool]string{true: "s", false: ""}[len(env) == 1], strings.Join(env, " and "))), nil
	}
	if v, err := d.Store.Get(ctx); err == nil && !force && onboarded(v) {
		return alreadyOnboarded(ctx, d, v), nil
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	unlock, err := d.Store.Lock(lctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, err // the call itself was cancelled (the client went away): nothing was done
	case err != nil:
		return nil, fmt.Errorf("another process is onboarding this profile and holds its lock: %w", err)
	}
	defer unlock()
	d.Store.Reload(ctx) // the other process may have finished while we waited
	v, err := d.Store.Get(ctx)
	if err != nil {
		// The store may already hold this profile's account: making another
		// one silently would orphan it. Say so, and let force decide.
		if !force {
			return mcp.NewToolResultError(fmt.Sprintf("create_agent cannot read the credential store, so it cannot tell "+
				"whether this profile already has an account (%v). Unlock the keyring or restart with --credential-store file; "+
				"if this profile never onboarded, call create_agent with force=true (the new PIN is then shown once).", err)), nil
		}
		v = credentials.Values{}
	}
	if !force && onboarded(v) {
		return alreadyOnboarded(ctx, d, v), nil
	}
	previous := ""
	if force && v.AccountID != "" {
		previous = v.AccountID
		if err := d.Store.Logout(ctx); err != nil {
			return nil, err
		}
		v = credentials.Values{}
	}

	var unsavedPIN string
	if v.PIN == "" {
		// The key is stored first: if this run dies after the service made the
		// account, the next run replays it instead of making another.
		key := v.OnboardKey
		if key == "" {
			key = hqclient.NewIdempotencyKey()
			if err := d.Store.Save(ctx, credentials.Values{OnboardKey: key}); err != nil {
				d.Log.Warn().Err(err).Msg("could not store the onboarding key; an interrupted onboarding could not be resumed")
			}
		}
		r, err := d.client(ctx).CreateAgent(hqclient.WithIdempotencyKey(ctx, key), a.Str("label"))
		if r == nil {
			return nil, err
		}
		// The PIN is the account: keep it before any next step.
		_, exp, _ := hqclient.TokenClaims(r.Data.Token)
		nv := credentials.Values{AccountID: r.Data.AccountID, PIN: r.Data.PIN, Token: r.Data.Token, TokenExpiresAt: exp, OnboardKey: key}
		if saveErr := d.Store.Save(ctx, nv); saveErr != nil {
			var se *credentials.SaveError
			if errors.As(saveErr, &se) && slices.Contains(se.Fields, credentials.FieldPIN) {
				unsavedPIN = r.Data.PIN
			}
			d.Log.Error().Err(saveErr).Msg("could not store the new account's credentials")
		}
		if err != nil { // the account exists, but its first token could not be had
			return pinResult(unsavedPIN, fmt.Sprintf("create_agent made account %s but could not finish: %v. "+
				"Run create_agent again to complete it.", textsafe.Quote(r.Data.AccountID), textsafe.Quote(err.Error())), true), nil
		}
		v = nv
	}

	if v.OnboardKey == "" { // an account brought in without one (auth import): this key is new
		v.OnboardKey = hqclient.NewIdempotencyKey()
		if err := d.Store.Save(ctx, credentials.Values{OnboardKey: v.OnboardKey}); err != nil {
			d.Log.Warn().Err(err).Msg("could not store the onboarding key")
		}
	}
	k, err := d.client(ctx).CreateKey(hqclient.WithIdempotencyKey(ctx, v.OnboardKey+"-key"),
		hqclient.CreateKeyRequest{Name: "myapihq-mcp " + d.Store.Profile()})
	if err != nil {
		if unsavedPIN != "" {
			return pinResult(unsavedPIN, "create_agent made the account but not its API key: "+d.explain("create_agent", err)+
				". Run create_agent again to finish.", true), nil
		}
		return nil, err
	}
	saveErr := d.Store.Save(ctx, credentials.Values{APIKey: k.Data.APIKey})
	st := d.Store.Status(ctx)
	out := map[string]any{
		"account_id": v.AccountID, "api_key": k.Data.APIKey, "profile": d.Store.Profile(), "service": d.BaseURL,
		"sandbox": d.Sandbox, "stored_in": st.Store, "next_steps": []string{"create_org", "setup_payment", "import_brand"},
	}
	if previous != "" {
		out["replaced_account_id"] = previous
	}
	summary := fmt.Sprintf("Agent account %s created; its PIN and API key (%s) are stored in the %s. Next: create_org, then "+
		"setup_payment and top_up to add funds.", textsafe.Quote(v.AccountID), mask.Display(credentials.FieldAPIKey, k.Data.APIKey), storeName(st))
	if saveErr != nil {
		summary += " WARNING: the API key could not be stored (" + saveErr.Error() + "); it works until this server stops."
	}
	res := toolkit.OKValue(out, summary)
	if unsavedPIN != "" {
		return withPIN(res, unsavedPIN), nil
	}
	return res, nil
}

// onboarded: an API key and the account it belongs to (by PIN or id).
func onboarded(v credentials.Values) bool {
	return v.APIKey != "" && (v.PIN != "" || v.AccountID != "")
}

func alreadyOnboarded(ctx context.Context, d *Deps, v credentials.Values) *mcp.CallToolResult {
	st := d.Store.Status(ctx)
	return toolkit.OKValue(map[string]any{
		"account_id": v.AccountID, "api_key": v.APIKey, "profile": d.Store.Profile(), "service": d.BaseURL,
		"stored_in": st.Store, "already_onboarded": true,
	}, fmt.Sprintf("This profile already has an agent account (%s) with an API key; nothing was created. Use it: "+
		"list_orgs or create_org. (force=true would replace it.)", textsafe.Quote(v.AccountID)))
}

func storeName(st credentials.Status) string {
	switch {
	case st.Store == "file" && st.Mode == credentials.ModeFile:
		return "plain-text credential file (--credential-store file)"
	case st.Store == "file":
		return "plain-text credential file (no OS keyring here)"
	}
	return "OS keyring"
}

// withPIN is the one case a secret reaches the user: no store could keep
// the PIN, and without it the account is lost. It is shown once, loudly.
func withPIN(res *mcp.CallToolResult, pin string) *mcp.CallToolResult {
	warning := "WARNING: no credential store could keep this account's PIN. It is shown this once: save it somewhere " +
		"safe now (e.g. MYAPI_PIN in a .env file). PIN: " + pin
	res.Content = append([]mcp.Content{mcp.NewTextContent(warning)}, res.Content...)
	if m, isMap := res.StructuredContent.(map[string]any); isMap {
		m["unsaved_pin"] = pin // a key the masker leaves alone, on purpose (toolkit.MaskResult)
		m["warning"] = warning
	}
	return res
}

func pinResult(pin, msg string, isErr bool) *mcp.CallToolResult {
	res := toolkit.OKValue(map[string]any{"error": msg}, msg)
	res.IsError = isErr
	if pin != "" {
		return withPIN(res, pin)
	}
	return res
}

func whoami(ctx context.Context, d *Deps, _ toolkit.Args) (*mcp.CallToolResult, error) {
	out, summary := whoamiData(ctx, d)
	return toolkit.OKValue(out, summary), nil
}

// whoamiData is what the server knows of the profile, secrets masked; the
// myapihq://account resource shows the same.
func whoamiData(ctx context.Context, d *Deps) (map[string]any, string) {
	st := d.Store.Status(ctx)
	v, _ := d.Store.Get(ctx)
	creds := map[string]any{}
	for _, f := range st.Fields {
		row := map[string]any{"present": f.Present}
		if f.Present {
			row["source"], row["masked"] = f.Source, f.Masked
		}
		creds[f.Field] = row
	}
	service := "live"
	switch {
	case d.Sandbox:
		service = "sandbox"
	case strings.TrimRight(d.BaseURL, "/") != hqclient.DefaultBaseURL:
		service = "configured" // --base-url: staging, or a standalone sandbox
	}
	_, noHuman := d.humanClient(ctx)
	human := noHuman == nil
	env := envOverrides(ctx, d)
	out := map[string]any{"profile": st.Profile, "base_url": d.BaseURL, "service": service, "account_id": v.AccountID,
		"credentials": creds, "store": st.Store, "plain_text_store": st.PlainText, "human_session": human,
		"env_overrides": env}
	if d.Sandbox { // the console is for the human: saying where it is lets the agent tell them
		out["console_url"] = strings.TrimRight(d.BaseURL, "/") + "/_sandbox/console"
	}
	if len(st.Warnings) > 0 {
		out["warnings"] = st.Warnings
	}
	if st.Error != "" {
		out["store_error"] = st.Error
	}
	var summary string
	switch {
	case onboarded(v):
		summary = fmt.Sprintf("Profile %q on the %s service (%s): account %s, credentials in the %s.", st.Profile, service, d.BaseURL, textsafe.Quote(v.AccountID), storeName(st))
	case v.PIN != "":
		summary = fmt.Sprintf("Profile %q has account %s but no API key", st.Profile, textsafe.Quote(v.AccountID)) + d.say(
			say(": call create_agent to finish onboarding.", "create_agent"),
			say("; this server does not offer onboarding (--read-only or --toolsets): a server that does can finish it."))
	case len(env) > 0:
		summary = fmt.Sprintf("Profile %q on the %s service (%s) has no complete stored credentials.", st.Profile, service, d.BaseURL)
	default:
		summary = fmt.Sprintf("Profile %q on the %s service (%s) has no credentials", st.Profile, service, d.BaseURL) + d.say(
			say(": call create_agent to onboard.", "create_agent"),
			say("; this server does not offer onboarding (--read-only or --toolsets): onboard with a server that does, "+
				"or set MYAPI_API_KEY and MYAPI_PIN where this server starts."))
	}
	if len(env) > 0 {
		summary += fmt.Sprintf(" The environment overrides the credential store: %s, set where this server was "+
			"started, take precedence over stored values; if a call answers 401, unset them and restart the server.", strings.Join(env, ", "))
	}
	if d.Sandbox {
		summary += fmt.Sprintf(" The human can watch this sandbox live at %s.", out["console_url"])
	}
	if st.Error != "" {
		summary += " Credential store problem: " + strings.TrimRight(st.Error, ".") + "."
	}
	if b, line := d.budgetStatus(ctx); b != nil {
		out["budget"] = b
		summary += line
	}
	return out, summary
}

// envOverrides names the MYAPI_* variables that override stored values.
func envOverrides(ctx context.Context, d *Deps) []string {
	out := []string{}
	for _, f := range d.Store.Status(ctx).Fields {
		if f.Present && strings.HasPrefix(f.Source, credentials.SourceEnv) {
			out = append(out, credentials.EnvVars[f.Field])
		}
	}
	return out
}

func logout(ctx context.Context, d *Deps, _ toolkit.Args) (*mcp.CallToolResult, error) {
	if err := d.Store.Logout(ctx); err != nil {
		return nil, err
	}
	_ = d.setHuman(ctx, nil, "") // without a client identity there is no login to forget
	env := []string{}
	for _, f := range d.Store.Status(ctx).Fields {
		if f.Present {
			env = append(env, f.Source)
		}
	}
	summary := fmt.Sprintf("Forgot the stored credentials of profile %q for %s.", d.Store.Profile(), d.BaseURL)
	if len(env) > 0 {
		summary += " Still set in the environment: " + strings.Join(env, ", ") + "."
	}
	return toolkit.OKValue(map[string]any{"profile": d.Store.Profile(), "logged_out": true}, summary), nil
}

func login(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c, err := d.NewClient(creds)
	if err != nil {
		return nil, err
	}
	r, err := c.Login(ctx, hqclient.EmailPassword{Email: a.Str("email"), Password: a.Str("password")})
	if err != nil {
		return nil, err
	}
	creds.Update(func(s *hqclient.Secrets) {
		s.Token, s.TokenExpiresAt, s.AccountID = r.Data.Token, r.Data.ExpiresAt(), r.Data.Subject()
	})
	if err := d.setHuman(ctx, c, a.Str("password")); err != nil {
		return nil, err
	}
	return toolkit.OK(r.Raw, fmt.Sprintf("Logged in as %s (human account %s); the session is held in memory only, for this "+
		"client alone. Next: link_agent to link this agent.", textsafe.Quote(a.Str("email")), textsafe.Quote(r.Data.Subject())))
}

func linkAgent(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	h, err := d.humanClient(ctx)
	if err != nil {
		return nil, err
	}
	pin := a.Str("pin")
	if pin == "" {
		v, err := d.Store.Get(ctx)
		if err != nil {
			return nil, err
		}
		if v.PIN == "" {
			return mcp.NewToolResultError("this profile has no agent PIN: call create_agent first, or pass pin"), nil
		}
		pin = v.PIN
	}
	r, err := h.LinkAgent(ctx, pin)
	return answer(r, err, func() string { return "Agent linked to the human account." })
}

// RemoteWhoami is whoami for the multi-tenant mode, which swaps it in:
// the caller is whoever's API key the host sends, and nothing is stored.
func RemoteWhoami(d *Deps) toolkit.Tool {
	return toolkit.Tool{
		Name: "whoami", Toolset: Account, Title: "Who am I", Output: toolkit.Object("mode", "caller"),
		Meta: appMeta,
		Description: "Call first. Shows the account this server acts for (from the API key your host sends), whether an agent PIN " +
			"came with it (needed for billing and key tools), and the service. Secrets are never shown.",
		ReadOnly: true, Idempotent: true, OpenWorld: true,
		Handler: func(ctx context.Context, _ toolkit.Args) (*mcp.CallToolResult, error) {
			t, ok := d.caller(ctx)
			if !ok {
				return nil, errors.New("no caller in the request context")
			}
			out := map[string]any{"mode": "remote (multi-tenant)", "service": d.BaseURL, "caller": t.Short(),
				"credentials": "the API key (and PIN) your host sends with each request; never stored", "pin": t.HasPIN()}
			orgs, err := t.Client().ListOrgs(ctx)
			if err != nil {
				return nil, err
			}
			out["org_count"] = len(orgs.Data)
			summary := fmt.Sprintf("Acting for the account of the API key your host sends (caller %s); %d organizations.", t.Short(), len(orgs.Data))
			if t.HasPIN() {
				if id, err := t.AccountID(ctx); err == nil && id != "" {
					out["account_id"] = id
					summary = fmt.Sprintf("Acting for account %s (caller %s); %d organizations.", id, t.Short(), len(orgs.Data))
				}
				if b, err := t.Client().Balance(ctx); err == nil {
					out["balance_cents"], out["has_payment_method"] = b.Data.BalanceCents, b.Data.HasPaymentMethod
				} else {
					out["pin_error"] = "the PIN was refused or the balance is unavailable"
				}
			} else {
				summary += " No X-MyAPIHQ-Agent-PIN header: billing and key tools will say they need it."
			}
			res := mcp.NewToolResultStructured(out, summary)
			return res, nil
		},
	}
}

// Caller is who a multi-tenant request acts for (remote.Tenant).
type Caller interface {
	Short() string // a short, non-secret name for logs and answers
	HasPIN() bool
	AccountID(ctx context.Context) (string, error)
	Client() *hqclient.Client
}

// caller is the request's Caller, in the multi-tenant mode.
func (d *Deps) caller(ctx context.Context) (Caller, bool) {
	if d.Caller == nil {
		return nil, false
	}
	return d.Caller(ctx)
}
