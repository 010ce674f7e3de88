package tools

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

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// Consent: a guarded tool asks the human (elicitation) before it acts. The
// answer counts only for the question this server asked, for those exact
// arguments: the question carries a requestState signed over the tool, its
// canonical arguments, a single-use nonce and an expiry, and an answer
// comes back with it. An answer without that state (pre-filled by the
// client or the model), with another call's, a stale or a used one, is
// ignored: the human is asked.

// consentTTL: how long a question stays answerable.
const consentTTL = 10 * time.Minute

// consentState is what requestState carries (signed).
type consentState struct {
	Tool    string          `json:"t"`
	Args    string          `json:"a"` // hex SHA-256 of the canonical arguments
	Nonce   string          `json:"n"`
	Until   int64           `json:"u"`           // unix seconds
	Payload json.RawMessage `json:"p,omitempty"` // what a handler carries to its next round
}

// canonical is the arguments as the state binds them (keys sorted).
func canonical(a Args) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// refuseWithoutConsent: --require-consent, and the host cannot ask.
func refuseWithoutConsent(tool string) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf("%s refused: it needs the user's consent, and this host cannot ask "+
		"the user (its client does not support MCP elicitation), while this server runs with --require-consent. "+
		"Use a host that supports elicitation, or, if the user accepts that the host's own tool approval is "+
		"the only check, restart the server without --require-consent (MYAPI_REQUIRE_CONSENT).", tool))
}

// consent returns nil when the call may go ahead, else the result to give
// instead: a question, a refusal, or "not done".
func (d *Deps) consent(ctx context.Context, t Tool, args Args, canon string, req mcp.CallToolRequest) *mcp.CallToolResult {
	if !canElicit(ctx) {
		if d.Config.RequireConsent {
			return refuseWithoutConsent(t.Name)
		}
		return nil // the host's own approval of the call is the check
	}
	if _, valid := d.openState(ctx, t.Name, canon, req.Params.RequestState); !valid {
		return d.ask(t, args, canon)
	}
	ans := server.ElicitationResponse(req.Params.InputResponses, "confirm")
	if ans == nil {
		return d.ask(t, args, canon)
	}
	content, _ := ans.Content.(map[string]any)
	if ans.Action != mcp.ElicitationResponseActionAccept || content["confirm"] != true {
		action := string(ans.Action)
		if action == "" || ans.Action == mcp.ElicitationResponseActionAccept {
			action = "not confirmed"
		}
		return mcp.NewToolResultError(fmt.Sprintf("not done: the user did not confirm (%s). Do not retry unless they ask.", action))
	}
	return nil
}

// ask puts the question, in the multi-round-trip style, which mcp-go
// bridges to a server-initiated elicitation for clients of the legacy era
// (calling the tool again with the answer and this state).
func (d *Deps) ask(t Tool, args Args, canon string) *mcp.CallToolResult {
	return askConfirmation(t.Confirm(args), d.sealState(t.Name, canon, nil))
}

// askConfirmation asks question, carrying state (see sealState).
func askConfirmation(question, state string) *mcp.CallToolResult {
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

// sealState signs a question's state: the tool, its arguments, a nonce, an
// expiry and what the handler carries to its next round.
func (d *Deps) sealState(tool, canon string, payload json.RawMessage) string {
	body, _ := json.Marshal(consentState{Tool: tool, Args: argsDigest(canon), Nonce: randid.Hex(16),
		Until: d.now().Add(consentTTL).Unix(), Payload: payload})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(d.mac(body))
}

func (d *Deps) mac(body []byte) []byte {
	m := hmac.New(sha256.New, d.stateKey())
	m.Write([]byte("myapihq-mcp consent v1\x00"))
	m.Write(body)
	return m.Sum(nil)
}

// openState: the state is ours, for this tool and these arguments, not
// expired, and its nonce was not used before (using it now). It returns
// the state's payload.
func (d *Deps) openState(ctx context.Context, tool, canon, state string) (json.RawMessage, bool) {
	var st consentState
	b64body, b64sig, found := strings.Cut(state, ".")
	if !found {
		return nil, false
	}
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(b64body)
	sig, err2 := enc.DecodeString(b64sig)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, d.mac(body)) || json.Unmarshal(body, &st) != nil {
		return nil, false
	}
	until := time.Unix(st.Until, 0)
	if st.Tool != tool || !hmac.Equal([]byte(st.Args), []byte(argsDigest(canon))) || d.now().After(until) {
		return nil, false
	}
	first, err := d.nonceStore().Use(ctx, st.Nonce, until)
	if err != nil {
		d.Log.Warn().Err(err).Msg("nonce store: use failed; asking again")
		return nil, false
	}
	return st.Payload, first
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
