// Package tools is the MCP surface: one tool per user action, declared as
// values in one table (All) that the server, the tests, the docs and the
// filters all read. Handlers call hqclient; secrets come from credentials.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Toolsets, in display order.
const (
	SetAccount = "account"
	SetKeys    = "keys"
	SetOrgs    = "orgs"
	SetBilling = "billing"
	SetImports = "imports"
)

var Toolsets = []string{SetAccount, SetKeys, SetOrgs, SetBilling, SetImports}

// Tool is one MCP tool, as data.
type Tool struct {
	Name        string
	Toolset     string
	Title       string
	Description string
	Params      []Param
	// The four MCP annotations, always all set (mcp-go's NewTool would
	// otherwise call every tool destructive and open-world).
	ReadOnly, Destructive, Idempotent, OpenWorld bool
	// Confirm, when set, is the question put to the human (by elicitation,
	// where the host supports it) before the handler runs.
	Confirm func(a Args) string
	// Handler does the work. A write tool makes one write request per call:
	// the wrapper gives it the call's Idempotency-Key through ctx (GETs
	// around it are free).
	Handler func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error)
}

// MCP renders the tool for tools/list.
func (t Tool) MCP() mcp.Tool {
	mt := mcp.NewToolWithRawSchema(t.Name, t.Description, Schema(t.Params))
	mt.Annotations = mcp.ToolAnnotation{
		Title:           t.Title,
		ReadOnlyHint:    mcp.ToBoolPtr(t.ReadOnly),
		DestructiveHint: mcp.ToBoolPtr(t.Destructive),
		IdempotentHint:  mcp.ToBoolPtr(t.Idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(t.OpenWorld),
	}
	return mt
}

// Config is what the tool surface depends on from flags.
type Config struct {
	MaxTopUpCents int64 // top_up refuses more, whatever the model says
}

// DefaultMaxTopUpCents is --max-topup-cents' default.
const DefaultMaxTopUpCents = 5000

// Select keeps the tools of the given toolsets (all when empty), and only
// read-only ones when readOnly: that filter wins over everything else.
func Select(all []Tool, toolsets []string, readOnly bool) ([]Tool, error) {
	want := map[string]bool{}
	for _, s := range toolsets {
		s = strings.TrimSpace(s)
		if s == "" || s == "all" {
			continue
		}
		if !contains(Toolsets, s) {
			return nil, fmt.Errorf("unknown toolset %q: choose from %s, or all", s, strings.Join(Toolsets, ", "))
		}
		want[s] = true
	}
	var out []Tool
	for _, t := range all {
		if (len(want) == 0 || want[t.Toolset]) && (!readOnly || t.ReadOnly) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Deps are what handlers use. One per server process.
type Deps struct {
	Client  *hqclient.Client // the profile's agent credentials
	Store   *credentials.Store
	BaseURL string
	Sandbox bool // the embedded sandbox, not the live service
	Config  Config
	Log     zerolog.Logger
	// NewClient makes a client with other credentials (a human's session).
	NewClient func(hqclient.Credentials) (*hqclient.Client, error)
	// Import polling: first interval, cap (defaults 250ms, 2s).
	PollMin, PollMax time.Duration

	// The multi-tenant mode (app/remote.go) sets these three; nil keeps the
	// single-profile behaviour. Identity names the caller, so its pending
	// retry keys are its own whatever replica or session serves it;
	// ClientFor is the caller's own client (its credentials, its token
	// cache, its mint); Retries keeps pending retry keys where all replicas
	// see them.
	Identity  func(ctx context.Context) (client string, ok bool)
	ClientFor func(ctx context.Context) (*hqclient.Client, error)
	Retries   RetryStore

	mu    sync.Mutex
	human map[string]*hqclient.Client // per MCP session, set by login; memory only

	retries pendingKeys
}

// RetryStore keeps the Idempotency-Key of a write whose outcome is unknown,
// per client and call, for a while (see pendingKeys).
type RetryStore interface {
	Take(ctx context.Context, client, call string) (key string, err error) // "" when none; forgets it
	Keep(ctx context.Context, client, call, key string, ttl time.Duration) error
	Drop(ctx context.Context, client string) error
}

// forClient is d acting with another client: what a handler reads, and
// nothing of the store (the tools that use it are not offered then).
func (d *Deps) forClient(c *hqclient.Client) *Deps {
	return &Deps{Client: c, BaseURL: d.BaseURL, Sandbox: d.Sandbox, Config: d.Config, Log: d.Log,
		NewClient: d.NewClient, PollMin: d.PollMin, PollMax: d.PollMax}
}

// pendingKeys remembers the Idempotency-Key of each write whose outcome is
// unknown (every attempt failed in a way a retry could fix, so one may have
// committed). The same call again, with the same arguments, reuses it: the
// service then replays the first outcome instead of acting twice, which is
// what makes "safe to repeat" true for a model that cannot see keys.
type pendingKeys struct {
	mu sync.Mutex
	m  map[string]pendingKey
}

type pendingKey struct {
	key   string
	until time.Time
}

const pendingKeyTTL = 10 * time.Minute

func (p *pendingKeys) take(call string, now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.m[call]
	delete(p.m, call)
	if !ok || now.After(k.until) {
		return hqclient.NewIdempotencyKey()
	}
	return k.key
}

func (p *pendingKeys) keep(call, key string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m) > 1000 {
		p.m = map[string]pendingKey{}
	}
	p.m[call] = pendingKey{key, now.Add(pendingKeyTTL)}
}

// ambiguous: the write may or may not have happened.
func ambiguous(err error) bool {
	e, isHQ := hqclient.AsError(err)
	return (isHQ && e.Retryable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// A human's login belongs to the MCP session that made it: over HTTP one
// server has many clients, and one's login must not act for another.
func sessionKey(ctx context.Context) string {
	if s := server.ClientSessionFromContext(ctx); s != nil {
		return s.SessionID()
	}
	return ""
}

func (d *Deps) humanClient(ctx context.Context) (*hqclient.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.human[sessionKey(ctx)]; c != nil {
		return c, nil
	}
	return nil, errNeedsHuman
}

// Hooks are the server hooks the tools need: a finished MCP session's
// human login is dropped, since over HTTP sessions come and go for the
// life of the server.
func (d *Deps) Hooks() *server.Hooks {
	h := &server.Hooks{}
	h.AddOnUnregisterSession(func(_ context.Context, s server.ClientSession) {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.human, s.SessionID())
	})
	return h
}

func (d *Deps) setHuman(ctx context.Context, c *hqclient.Client) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.human == nil {
		d.human = map[string]*hqclient.Client{}
	}
	if c == nil {
		delete(d.human, sessionKey(ctx))
		return
	}
	d.human[sessionKey(ctx)] = c
}

var errNeedsHuman = errors.New("this needs a human account's session: call login with the human's email and password first " +
	"(register_account if they have none)")

// StoreCredentials lets hqclient read the profile's secrets from the store.
type StoreCredentials struct{ Store *credentials.Store }

func (c StoreCredentials) Secrets(ctx context.Context) (hqclient.Secrets, error) {
	v, err := c.Store.Get(ctx)
	return hqclient.Secrets{AccountID: v.AccountID, PIN: v.PIN, APIKey: v.APIKey, Token: v.Token, TokenExpiresAt: v.TokenExpiresAt}, err
}

func (c StoreCredentials) SaveToken(ctx context.Context, token string, exp time.Time) error {
	return c.Store.SaveToken(ctx, token, exp)
}

// Register adds tools to s, each behind the one wrapper every call takes.
func Register(s *server.MCPServer, d *Deps, tools []Tool, readOnly bool) {
	for _, t := range tools {
		s.AddTool(t.MCP(), t.handle(d, readOnly))
	}
}

func (t Tool) handle(d *Deps, readOnly bool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if readOnly && !t.ReadOnly { // defence in depth: such tools are not even registered
			return mcp.NewToolResultError(fmt.Sprintf("%s is disabled: the server runs with --read-only", t.Name)), nil
		}
		args, err := Validate(t.Params, req.GetArguments())
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("invalid arguments for %s: %v", t.Name, err)), nil
		}
		if t.Confirm != nil && canElicit(ctx) {
			ans := server.ElicitationResponse(req.Params.InputResponses, "confirm")
			if ans == nil {
				return askConfirmation(t.Confirm(args)), nil
			}
			if ans.Action != mcp.ElicitationResponseActionAccept || ans.Content == nil || ans.Content.(map[string]any)["confirm"] != true {
				return mcp.NewToolResultError(fmt.Sprintf("not done: the user did not confirm (%s). Do not retry unless they ask.", ans.Action)), nil
			}
		}
		if req.Params.Meta != nil && req.Params.Meta.ProgressToken != nil {
			ctx = context.WithValue(ctx, progressKey{}, req.Params.Meta.ProgressToken)
		}
		hd := d
		if d.ClientFor != nil {
			c, err := d.ClientFor(ctx)
			if err != nil {
				return failure(t.Name, err)
			}
			hd = d.forClient(c)
		}
		who := sessionKey(ctx)
		if d.Identity != nil {
			if id, ok := d.Identity(ctx); ok {
				who = id
			}
		}
		// A write gets its Idempotency-Key here (create_agent keeps its own).
		var call, key string
		if !t.ReadOnly && t.Name != "create_agent" {
			canon, _ := json.Marshal(args) // map keys sorted: one string per call
			// Per session (or caller): another client's identical call is its own.
			call = t.Name + "\x00" + string(canon)
			if d.Retries != nil {
				if key, err = d.Retries.Take(ctx, who, call); err != nil {
					// Without the shared record a retry could apply twice: refuse.
					return mcp.NewToolResultError(fmt.Sprintf("%s not done: the retry record is unavailable (%v); retry shortly with the same arguments", t.Name, err)), nil
				}
				if key == "" {
					key = hqclient.NewIdempotencyKey()
				}
			} else {
				call = who + "\x00" + call
				key = d.retries.take(call, time.Now())
			}
			ctx = hqclient.WithIdempotencyKey(ctx, key)
		}
		res, err := t.Handler(ctx, hd, args)
		if err != nil {
			if call != "" && ambiguous(err) {
				if d.Retries != nil {
					if kerr := d.Retries.Keep(context.WithoutCancel(ctx), who, call, key, pendingKeyTTL); kerr != nil {
						d.Log.Warn().Err(kerr).Str("tool", t.Name).Msg("could not keep the pending retry key")
					}
				} else {
					d.retries.keep(call, key, time.Now())
				}
			}
			return failure(t.Name, err)
		}
		scrubResult(res, args.Bool("reveal"))
		return withJSONText(res), nil
	}
}

// withJSONText appends the structured content, serialised, after the
// summary line: the spec's advice for hosts that pass only text to the
// model, which would otherwise see "ready: review the brand" without it.
// The bytes are kept as the raw structured content too, so they are
// encoded once.
func withJSONText(res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil {
		return res
	}
	if res.RawStructuredContent == nil && res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return res
		}
		res.RawStructuredContent = b
	}
	if res.RawStructuredContent != nil {
		res.Content = append(res.Content, mcp.NewTextContent(string(res.RawStructuredContent)))
	}
	return res
}

// canElicit: whether this request's client can answer an elicitation.
// Modern requests declare their capabilities in _meta; legacy sessions did
// at initialize.
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		return s.GetClientCapabilities().Elicitation != nil
	}
	return false
}

// askConfirmation asks in the multi-round-trip style, which mcp-go bridges
// to a server-initiated elicitation for clients of the legacy era.
func askConfirmation(question string) *mcp.CallToolResult {
	return server.NewInputRequestBuilder("confirm").Elicit("confirm", mcp.ElicitationParams{
		Message: question,
		RequestedSchema: map[string]any{"type": "object", "required": []string{"confirm"}, "properties": map[string]any{
			"confirm": map[string]any{"type": "boolean", "title": "Confirm", "description": "Allow the agent to do this"},
		}},
	}).ToolResult()
}

// ok is a success: the service's JSON as it came in structuredContent (a
// list wrapped as {"items": [...]}, since structured content is an object)
// and a one-line summary; the call wrapper adds the JSON as text too.
//
// An answer that cannot hold a secret is passed through as raw bytes: no
// decode, scrub and re-encode on the hot path of every read.
func ok(raw json.RawMessage, summary string) (*mcp.CallToolResult, error) {
	raw = bytes.TrimSpace(raw)
	if !mayHoldSecret(raw) && json.Valid(raw) {
		if len(raw) == 0 || raw[0] != '{' {
			raw = append(append([]byte(`{"items":`), raw...), '}')
		}
		return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(summary)}, RawStructuredContent: raw}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode service answer: %w", err)
	}
	return okValue(v, summary), nil
}

// mayHoldSecret is conservative: any secret key name, quoted, anywhere, or
// any \u escape (which could spell one), sends the answer to the scrubber.
func mayHoldSecret(raw []byte) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	for k := range secretKeys {
		if bytes.Contains(raw, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

func okValue(v any, summary string) *mcp.CallToolResult {
	if _, isObj := v.(map[string]any); !isObj {
		v = map[string]any{"items": v}
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(summary)},
		StructuredContent: v,
	}
}

// answer is the usual end of a handler: the call's error as is, or its
// answer with a summary (made only on success, when r is there).
func answer[T any](r *hqclient.Response[T], err error, summary func() string) (*mcp.CallToolResult, error) {
	if err != nil {
		return nil, err
	}
	return ok(r.Raw, summary())
}

// asHuman gives a handler the logged-in human's client, or says to log in.
func asHuman(f func(ctx context.Context, h *hqclient.Client, a Args) (*mcp.CallToolResult, error)) func(context.Context, *Deps, Args) (*mcp.CallToolResult, error) {
	return func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
		h, err := d.humanClient(ctx)
		if err != nil {
			return nil, err
		}
		return f(ctx, h, a)
	}
}

// failure turns an error into what the model should see: HQ and
// credential problems are tool errors that say what to do next; anything
// else is a fault of ours (JSON-RPC error).
func failure(tool string, err error) (*mcp.CallToolResult, error) {
	if errors.Is(err, errNeedsHuman) {
		return mcp.NewToolResultError(err.Error()), nil
	}
	if he, isHQ := hqclient.AsError(err); isHQ {
		return mcp.NewToolResultError(describe(tool, he)), nil
	}
	var se *credentials.SaveError
	var ue *credentials.UnavailableError
	var te *credentials.TimeoutError
	if errors.As(err, &se) || errors.As(err, &ue) || errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mcp.NewToolResultError(fmt.Sprintf("%s failed: %v", tool, err)), nil
	}
	return nil, err
}

// describe says what happened and what to do next.
func describe(tool string, e *hqclient.Error) string {
	what := e.Message
	if e.Status != 0 {
		what = fmt.Sprintf("%d %s", e.Status, e.Message)
	}
	next := ""
	switch {
	case e.Code == hqclient.CodeNoAPIKey || e.Code == hqclient.CodeNoToken:
		next = "no credentials for this profile: call create_agent (or set MYAPI_API_KEY / MYAPI_PIN)"
	case e.Code == "payment_method_required" || (e.Status == http.StatusPaymentRequired && tool == "top_up"):
		next = "no payment method: call setup_payment and have the human open the URL, then retry"
	case e.Status == http.StatusPaymentRequired:
		next = "balance too low: call top_up (it needs a payment method: setup_payment)"
	case e.Code == "invalid_api_key":
		next = "the API key was revoked or rotated: call create_agent with force=false to check, or create_key and update MYAPI_API_KEY"
	case e.Status == http.StatusUnauthorized:
		next = "credentials were refused: call whoami to see what is stored; create_agent or login to start over"
	case e.Code == "human_only":
		next = "call login with the human's email and password first"
	case e.Status == http.StatusNotFound:
		next = "check the id: the list_* tools show the valid ones"
	case e.Status == http.StatusTooManyRequests:
		next = fmt.Sprintf("rate limited: wait %s, then retry", max(e.RetryAfter, time.Second))
	case e.Status >= 500 || e.Code == hqclient.CodeNetwork:
		next = fmt.Sprintf("the service is unavailable (tried %d times): retry later with the same arguments; "+
			"it cannot be applied twice", max(e.Attempts, 1))
	}
	msg := fmt.Sprintf("%s failed: %s", tool, what)
	if next != "" {
		msg += ". Next: " + next
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// secretKeys are masked wherever they appear in a result, unless the caller
// asked with reveal: true.
var secretKeys = map[string]string{
	"pin": credentials.FieldPIN, "token": credentials.FieldToken, "access_token": credentials.FieldToken,
	"refresh_token": credentials.FieldToken, "api_key": credentials.FieldAPIKey, "password": credentials.FieldPIN,
}

func scrubResult(res *mcp.CallToolResult, reveal bool) {
	if res == nil || reveal {
		return
	}
	res.StructuredContent = scrub(res.StructuredContent)
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if field, secret := secretKeys[k]; secret {
				if s, isStr := val.(string); isStr {
					out[k] = credentials.Mask(field, s)
					continue
				}
			}
			out[k] = scrub(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = scrub(x[i])
		}
		return out
	}
	return v
}

// Names lists tool names, sorted, for messages and docs.
func Names(ts []Tool) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	sort.Strings(out)
	return out
}
