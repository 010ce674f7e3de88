package toolkit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// Consent: a guarded tool asks the human (elicitation) before it acts. The
// answer counts only for the question this server asked, for those exact
// arguments: the question carries a requestState signed over the tool, its
// canonical arguments, a single-use nonce and an expiry, and an answer
// comes back with it. An answer without that state (pre-filled by the
// client or the model), with another call's, a stale or a used one, is
// ignored: the human is asked.

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
	// Key signs the questions; replicas that share it accept each other's
	// (empty: a random key per process).
	Key []byte
	// Nonces makes an answer single-use (nil: in memory).
	Nonces NonceStore
	// Require refuses a guarded tool when the host cannot ask
	// (--require-consent), instead of relying on the host's own approval.
	Require bool
	Now     func() time.Time
	Log     zerolog.Logger
}

// NewConsent fills c's defaults.
func NewConsent(c Consent) *Consent {
	if len(c.Key) == 0 {
		c.Key = randid.Bytes(32)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Nonces == nil {
		c.Nonces = NewMemoryNonces(c.Now)
	}
	return &c
}

// consentState is what requestState carries (signed).
type consentState struct {
	Tool    string          `json:"t"`
	Args    string          `json:"a"` // hex SHA-256 of the canonical arguments
	Nonce   string          `json:"n"`
	Until   int64           `json:"u"`           // unix seconds
	Payload json.RawMessage `json:"p,omitempty"` // what a handler carries to its next round
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
	if _, valid := k.Open(ctx, c.Tool.Name, c.Canon, c.Request.Params.RequestState); !valid {
		c.Consent = ConsentAsked
		return Ask(c.Tool.Confirm(c.Args), k.Seal(c.Tool.Name, c.Canon, nil))
	}
	ans := server.ElicitationResponse(c.Request.Params.InputResponses, "confirm")
	if ans == nil {
		c.Consent = ConsentAsked
		return Ask(c.Tool.Confirm(c.Args), k.Seal(c.Tool.Name, c.Canon, nil))
	}
	if res := Declined(ans); res != nil {
		c.Consent = ConsentDeclined
		return res
	}
	c.Consent = ConsentAccepted
	return nil
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

// Seal signs a question's state: the tool, its arguments, a nonce, an
// expiry and what the handler carries to its next round.
func (k *Consent) Seal(tool, canon string, payload json.RawMessage) string {
	body, _ := json.Marshal(consentState{Tool: tool, Args: argsDigest(canon), Nonce: randid.Hex(16),
		Until: k.Now().Add(ConsentTTL).Unix(), Payload: payload})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(k.mac(body))
}

func (k *Consent) mac(body []byte) []byte {
	m := hmac.New(sha256.New, k.Key)
	m.Write([]byte("myapihq-mcp consent v1\x00"))
	m.Write(body)
	return m.Sum(nil)
}

// Open: the state is ours, for this tool and these arguments, not
// expired, and its nonce was not used before (using it now). It returns
// the state's payload.
func (k *Consent) Open(ctx context.Context, tool, canon, state string) (json.RawMessage, bool) {
	var st consentState
	b64body, b64sig, found := strings.Cut(state, ".")
	if !found {
		return nil, false
	}
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(b64body)
	sig, err2 := enc.DecodeString(b64sig)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, k.mac(body)) || json.Unmarshal(body, &st) != nil {
		return nil, false
	}
	until := time.Unix(st.Until, 0)
	if st.Tool != tool || !hmac.Equal([]byte(st.Args), []byte(argsDigest(canon))) || k.Now().After(until) {
		return nil, false
	}
	first, err := k.Nonces.Use(ctx, st.Nonce, until)
	if err != nil {
		k.Log.Warn().Err(err).Msg("nonce store: use failed; asking again")
		return nil, false
	}
	return st.Payload, first
}

// CanElicit: whether this request's client can answer an elicitation.
func CanElicit(ctx context.Context) bool {
	c := clientCapabilities(ctx)
	return c != nil && c.Elicitation != nil
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
