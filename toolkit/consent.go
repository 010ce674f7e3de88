package toolkit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/internal/signed"
)

// Consent: a guarded tool asks the human (elicitation) before it acts. The
// answer counts only for the question this server asked, for those exact
// arguments: the question carries a requestState signed over the tool, its
// canonical arguments, a single-use nonce and an expiry, and an answer
// comes back with it. An answer without that state (pre-filled by the
// client or the model), with another call's or another caller's, a stale
// or a used one, is ignored: the human is asked.
//
// At most once, everywhere: the nonce store (memory, or Redis shared by
// the replicas) is only the fast path. What it remembers can be lost — a
// replica that never saw the answer, a restart, a Redis restarted, flushed
// or evicted — and within the state's validity the same state and answer
// would then pass again. So an accepted answer also fixes the write's
// Idempotency-Key (IdempotencyKey, from the nonce): however often the
// answer passes, the service sees the same request under the same key and
// answers it from its idempotency record instead of acting again. No store
// of ours has to survive for that; the service's record must outlive a
// question (ConsentTTL), which docs/api.md states and the sandbox keeps.

// ConsentTTL: how long a question stays answerable.
const ConsentTTL = 10 * time.Minute

// How consent was given, as the consent step records it in Call.Consent.
const (
	ConsentAccepted   = "host elicitation accepted"
	ConsentDeclined   = "host elicitation declined"
	ConsentAsked      = "host elicitation asked"
	ConsentRefused    = "refused: --require-consent and the host cannot ask"
	ConsentHostPolicy = "no elicitation available: the host's own approval of the call"
)

// Consent signs and checks the questions; one per server, shared by the
// consent step and the handlers that ask themselves.
type Consent struct {
	// Key signs the questions (and every other state this server hands a
	// client: Signer); replicas that share it accept each other's (empty:
	// a random key per process).
	Key []byte
	// Nonces makes an answer single-use (nil: in memory).
	Nonces NonceStore
	// Require refuses a guarded tool when the host cannot ask
	// (--require-consent), instead of relying on the host's own approval.
	Require bool
	Now     func() time.Time
	Log     zerolog.Logger

	signer *signed.Signer
}

// NewConsent fills c's defaults.
func NewConsent(c Consent) *Consent {
	if len(c.Key) == 0 {
		c.Key = randid.Bytes(32)
	}
	c.signer = signed.New(c.Key)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Nonces == nil {
		c.Nonces = NewMemoryNonces(c.Now)
	}
	return &c
}

// Signer signs what this server hands a client besides its questions (a
// URL-mode elicitation's id): one key, one way to sign.
func (k *Consent) Signer() *signed.Signer { return k.signer }

// consentPurpose names consent states inside their signature.
const consentPurpose = "consent v1"

// consentState is what requestState carries (signed).
type consentState struct {
	Tool    string          `json:"t"`
	Args    string          `json:"a"` // hex SHA-256 of the canonical arguments and the caller (boundTo)
	Nonce   string          `json:"n"`
	Until   int64           `json:"u"`           // unix seconds
	Payload json.RawMessage `json:"p,omitempty"` // what a handler carries to its next round
	// Consented: the human already accepted this call's question; the
	// state is the handler's next round (a checkout the call needs).
	Consented bool `json:"c,omitempty"`
}

// Refusal is the result when --require-consent meets a host that cannot ask.
func Refusal(tool string) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf("%s refused: it needs the user's consent, and this host cannot ask "+
		"the user (its client does not support MCP elicitation), while this server runs with --require-consent. "+
		"Use a host that supports elicitation, or, if the user accepts that the host's own tool approval is "+
		"the only check, restart the server without --require-consent (MYAPI_REQUIRE_CONSENT).", tool))
}

// Decide returns nil when the call may go ahead, else the result to give
// instead: a question, a refusal, or "not done". It records how consent
// was given in c.Consent.
func (k *Consent) Decide(ctx context.Context, c *Call) *mcp.CallToolResult {
	if !CanElicit(ctx) {
		if k.Require {
			c.Consent = ConsentRefused
			return Refusal(c.Tool.Name)
		}
		c.Consent = ConsentHostPolicy
		return nil
	}
	st, valid := k.open(ctx, c, c.Request.Params.RequestState)
	if !valid {
		c.Consent = ConsentAsked
		return Ask(c.Tool.Confirm(c.Args), k.Seal(c, nil))
	}
	if st.Consented { // a later round of a call the human allowed: its own write, its own key
		c.Consent, c.resumed, c.Key = ConsentAccepted, &resumed{payload: st.Payload, valid: true}, k.IdempotencyKey(st.Nonce)
		return nil
	}
	ans := server.ElicitationResponse(c.Request.Params.InputResponses, "confirm")
	if ans == nil {
		c.Consent = ConsentAsked
		return Ask(c.Tool.Confirm(c.Args), k.Seal(c, nil))
	}
	if res := Declined(ans); res != nil {
		c.Consent = ConsentDeclined
		return res
	}
	c.Consent, c.Key = ConsentAccepted, k.IdempotencyKey(st.Nonce)
	return nil
}

// boundTo is what a question's answer is bound to besides the tool: the
// call's canonical arguments and, where the transport names callers, the
// caller. Another tenant holding the state and the answer (a proxy's log,
// a shared host) is asked its own question: at the service, its account's
// idempotency record is not the asker's, so the key alone would not stop
// it.
func boundTo(c *Call) string {
	if !c.Known {
		return c.Canon
	}
	return c.Canon + "\x00" + c.Client
}

// IdempotencyKey is the Idempotency-Key of the write an answered question
// allows: an HMAC of its nonce under the state key, so every replica
// derives the same key from the same answer, and nobody without the state
// key can derive it from the state, which the client can read (a key names
// a stored answer at the service, replayed to whoever sends it in the
// account).
func (k *Consent) IdempotencyKey(nonce string) string {
	m := hmac.New(sha256.New, k.Key)
	m.Write([]byte("myapihq-mcp consent idempotency v1\x00"))
	m.Write([]byte(nonce))
	return "idem_" + hex.EncodeToString(m.Sum(nil)[:16])
}

// Declined is the "not done" result for an answer other than an accepted
// confirmation (nil for that one).
func Declined(ans *mcp.ElicitationResult) *mcp.CallToolResult {
	content, _ := ans.Content.(map[string]any)
	if ans.Action == mcp.ElicitationResponseActionAccept && content["confirm"] == true {
		return nil
	}
	action := string(ans.Action)
	if action == "" || ans.Action == mcp.ElicitationResponseActionAccept {
		action = "not confirmed"
	}
	return mcp.NewToolResultError(fmt.Sprintf("not done: the user did not confirm (%s). Do not retry unless they ask.", action))
}

// Ask puts question in the multi-round-trip style, which mcp-go bridges to
// a server-initiated elicitation for clients of the legacy era (calling
// the tool again with the answer and this state).
func Ask(question, state string) *mcp.CallToolResult {
	return server.NewInputRequestBuilder(state).Elicit("confirm", mcp.ElicitationParams{
		Message: question,
		RequestedSchema: map[string]any{"type": "object", "required": []string{"confirm"}, "properties": map[string]any{
			"confirm": map[string]any{"type": "boolean", "title": "Confirm", "description": "Allow the agent to do this"},
		}},
	}).ToolResult()
}

func argsDigest(canon string) string {
	sum := sha256.Sum256([]byte(canon))
	return hex.EncodeToString(sum[:])
}

// Seal signs the state of a question about call c: its tool, its
// arguments and caller (boundTo), a nonce, an expiry and what the handler
// carries to its next round.
func (k *Consent) Seal(c *Call, payload json.RawMessage) string {
	return k.seal(consentState{Tool: c.Tool.Name, Args: argsDigest(boundTo(c)), Payload: payload})
}

// Continue signs the state of a later round of call c, whose question the
// human already accepted (the consent step lets it through without asking
// again), carrying payload to the handler (Resume).
func (k *Consent) Continue(c *Call, payload json.RawMessage) string {
	return k.seal(consentState{Tool: c.Tool.Name, Args: argsDigest(boundTo(c)), Payload: payload, Consented: true})
}

func (k *Consent) seal(st consentState) string {
	st.Nonce, st.Until = randid.Hex(16), k.Now().Add(ConsentTTL).Unix()
	tok, err := k.signer.Seal(consentPurpose, st)
	if err != nil { // a struct of strings and numbers always encodes
		panic("consent state: " + err.Error())
	}
	return tok
}

// Open: the state is ours, for call c's tool, arguments and caller, not
// expired, and its nonce was not used before (using it now). It returns
// the state's payload.
func (k *Consent) Open(ctx context.Context, c *Call, state string) (json.RawMessage, bool) {
	st, valid := k.open(ctx, c, state)
	return st.Payload, valid
}

func (k *Consent) open(ctx context.Context, c *Call, state string) (consentState, bool) {
	var st consentState
	if state == "" || k.signer.Open(consentPurpose, state, &st) != nil {
		return consentState{}, false
	}
	until := time.Unix(st.Until, 0)
	if st.Tool != c.Tool.Name || !hmac.Equal([]byte(st.Args), []byte(argsDigest(boundTo(c)))) || k.Now().After(until) {
		return consentState{}, false
	}
	first, err := k.Nonces.Use(ctx, st.Nonce, until)
	if err != nil {
		k.Log.Warn().Err(err).Msg("nonce store: use failed; asking again")
		return consentState{}, false
	}
	if !first {
		return consentState{}, false
	}
	return st, true
}

// Resume is the payload this call's request state carries from an earlier
// round of the same call (opened once per call: its nonce is single-use),
// and whether there was a valid one. The consent step opens it first for
// the tools that ask; a handler that asks nothing itself opens it here.
func (k *Consent) Resume(ctx context.Context) (json.RawMessage, bool) {
	c := CallFrom(ctx)
	if c == nil {
		return nil, false
	}
	if c.resumed == nil {
		p, valid := k.Open(ctx, c, c.Request.Params.RequestState)
		c.resumed = &resumed{payload: p, valid: valid}
	}
	return c.resumed.payload, c.resumed.valid
}

// resumed is a call's opened request state.
type resumed struct {
	payload json.RawMessage
	valid   bool
}

// CanElicit: whether this request's client can answer an elicitation.
func CanElicit(ctx context.Context) bool {
	c := clientCapabilities(ctx)
	return c != nil && c.Elicitation != nil
}

// CanElicitURL: whether this request's client can open a URL for the
// human (URL-mode elicitation): it must say so (elicitation.url); a client
// that declares elicitation without modes means form only, as the
// protocol reads it, and mcp-go does not check it for us.
func CanElicitURL(ctx context.Context) bool {
	c := clientCapabilities(ctx)
	return c != nil && c.Elicitation != nil && c.Elicitation.URL != nil
}

// CanListRoots: whether this request's client shares its roots.
func CanListRoots(ctx context.Context) bool {
	c := clientCapabilities(ctx)
	return c != nil && c.Roots != nil
}

// clientCapabilities are what this request's client declared (nil: none
// known). Modern requests declare them in _meta; legacy sessions did at
// initialize.
func clientCapabilities(ctx context.Context) *mcp.ClientCapabilities {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities
	}
	if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		c := s.GetClientCapabilities()
		return &c
	}
	return nil
}
