package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// modernCall posts one 2026-07-28 tools/call to url, as a client that can
// elicit, and returns its result.
func modernCall(t *testing.T, url, tool string, args map[string]any, state string, answer map[string]any) map[string]any {
	t.Helper()
	return modernCallAs(t, url, nil, tool, args, state, answer)
}

// modernCallAs is modernCall with the caller's headers (a tenant's
// credentials).
func modernCallAs(t *testing.T, url string, headers map[string]string, tool string, args map[string]any, state string, answer map[string]any) map[string]any {
	t.Helper()
	return rawModern(t, url, headers, tool, args, state, confirmAnswer(answer), map[string]any{})
}

// rawModern posts one 2026-07-28 tools/call as a hostile client may: any
// answers (inputResponses), any requestState, the elicitation capability
// given (e.g. {"url": {}}), with extra headers (a tenant's key). It
// returns the call's result.
func rawModern(t *testing.T, url string, headers map[string]string, tool string, args map[string]any, state string,
	responses, elicitation map[string]any) map[string]any {
	t.Helper()
	status, body := postModern(t, nil, url, headers, modernRequest(1, tool, args, state, responses, elicitation))
	var m struct {
		Result map[string]any `json:"result"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Result == nil {
		t.Fatalf("%s: %d %s", tool, status, body)
	}
	return m.Result
}

// modernRequest is a 2026-07-28 tools/call carrying a question's state and
// answers when given, from a client with the given elicitation capability.
func modernRequest(id int, tool string, args map[string]any, state string, responses, elicitation map[string]any) map[string]any {
	params := map[string]any{"name": tool, "arguments": args}
	if state != "" {
		params["requestState"] = state
	}
	if responses != nil {
		params["inputResponses"] = responses
	}
	v := modernMeta(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
	v["params"].(map[string]any)["_meta"].(map[string]any)["io.modelcontextprotocol/clientCapabilities"] = map[string]any{"elicitation": elicitation}
	return v
}

// modernToolCall is modernRequest from a client that can elicit (forms),
// answering the consent question with answer when given.
func modernToolCall(id int, tool string, args map[string]any, state string, answer map[string]any) map[string]any {
	return modernRequest(id, tool, args, state, confirmAnswer(answer), map[string]any{})
}

// confirmAnswer is answer as the consent question's response (nil: none).
func confirmAnswer(answer map[string]any) map[string]any {
	if answer == nil {
		return nil
	}
	return map[string]any{"confirm": answer}
}

// postModern posts one 2026-07-28 request to url with hc (nil: the
// default client) and returns the status and the JSON-RPC answer (from an
// event stream too).
func postModern(t *testing.T, hc *http.Client, url string, headers map[string]string, v map[string]any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	if method, _ := v["method"].(string); method != "" {
		req.Header.Set("Mcp-Method", method)
	}
	if params, _ := v["params"].(map[string]any); params != nil {
		if name, _ := params["name"].(string); name != "" && !strings.ContainsAny(name, "\r\n") {
			req.Header.Set("Mcp-Name", name)
		}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for _, line := range strings.Split(string(body), "\n") {
			if data, ok := strings.CutPrefix(line, "data: "); ok && (strings.Contains(data, `"result"`) || strings.Contains(data, `"error"`)) {
				body = []byte(data)
			}
		}
	}
	return resp.StatusCode, body
}

var accept = map[string]any{"action": "accept", "content": map[string]any{"confirm": true}}

// asked: the result is a consent question; it returns its state.
func asked(t *testing.T, what string, res map[string]any) string {
	t.Helper()
	st, _ := res["requestState"].(string)
	if _, q := res["inputRequests"]; !q || st == "" {
		t.Fatalf("%s: not asked: %v", what, res)
	}
	return st
}

// TestConsentAnswersCannotBeReplayed: over real HTTP in the modern
// era (where the client carries the question's state itself), an answer
// counts once (a decline too), for the question asked: pre-filled without a state, replayed,
// moved to other arguments or to another tool, or with a forged state, it
// is ignored and the human is asked again; nothing is charged or deleted.
func TestConsentAnswersCannotBeReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := startHTTP(t, e)
	h := httpAt(t, url, "2026-07-28")
	mustOK(t, h, "create_agent", nil)
	mustOK(t, h, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	org := mustOK(t, h, "create_org", map[string]any{"name": "Keep"})["id"]
	balance := func() float64 { return mustOK(t, h, "get_balance", nil)["balance_cents"].(float64) }
	hundred := map[string]any{"amount_cents": 100}

	asked(t, "pre-filled answer", modernCall(t, url, "top_up", hundred, "", accept))
	s1 := asked(t, "first call", modernCall(t, url, "top_up", hundred, "", nil))
	if res := modernCall(t, url, "top_up", hundred, s1, accept); res["isError"] == true {
		t.Fatalf("the answered question failed: %v", res)
	}
	if b := balance(); b != 100 {
		t.Fatalf("balance %v after one consented top-up", b)
	}
	asked(t, "replayed answer", modernCall(t, url, "top_up", hundred, s1, accept))
	s2 := asked(t, "second question", modernCall(t, url, "top_up", hundred, "", nil))
	asked(t, "answer moved to other arguments", modernCall(t, url, "top_up", map[string]any{"amount_cents": 5000}, s2, accept))
	s3 := asked(t, "third question", modernCall(t, url, "top_up", hundred, "", nil))
	asked(t, "answer moved to delete_org", modernCall(t, url, "delete_org", map[string]any{"org_id": org}, s3, accept))
	body, sig, _ := strings.Cut(s3, ".")
	asked(t, "forged state", modernCall(t, url, "top_up", hundred, body+"x."+sig, accept))
	asked(t, "truncated state", modernCall(t, url, "top_up", hundred, body, accept))
	s4 := asked(t, "fourth question", modernCall(t, url, "top_up", hundred, "", nil))
	decline := map[string]any{"action": "decline"}
	if res := modernCall(t, url, "top_up", hundred, s4, decline); res["isError"] != true {
		t.Fatalf("a declined top-up: %v", res)
	}
	asked(t, "declined question answered again", modernCall(t, url, "top_up", hundred, s4, accept))
	if b := balance(); b != 100 {
		t.Fatalf("balance %v: a replayed or moved answer charged", b)
	}
	if got := mustOK(t, h, "get_org", map[string]any{"org_id": org}); got["id"] != org {
		t.Fatalf("the org is gone: %v", got)
	}
}

// TestRequireConsentRefusesEveryGuardedTool: under
// --require-consent, a host that cannot elicit gets every consent-guarded
// tool refused, in both eras, with the state unchanged (the key still
// there, the org alive, no money moved), not only top_up.
func TestRequireConsentRefusesEveryGuardedTool(t *testing.T) {
	t.Parallel()
	for _, era := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(era, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			args := append(append([]string{"stdio"}, e.sandboxArgs()...), "--require-consent", "--env-file-dir", t.TempDir())
			c := startClient(t, transport.NewStdio(binary, e.vars(), args...), era, nil)
			mustOK(t, c, "create_agent", nil)
			mustOK(t, c, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
			org := mustOK(t, c, "create_org", map[string]any{"name": "Keep"})["id"]
			key := mustOK(t, c, "create_key", map[string]any{"name": "extra"})["id"]
			for name, a := range map[string]map[string]any{
				"top_up":         {"amount_cents": 100},
				"delete_org":     {"org_id": org},
				"revoke_key":     {"key_id": key},
				"rotate_key":     {},
				"logout":         {},
				"write_env_file": {"path": ".env"},
				"service_write":  {"service": "myemailapi.com", "method": "POST", "path": "/v1/send"},
			} {
				mustFail(t, c, name, a, "cannot ask the user", "--require-consent")
			}
			if got := mustOK(t, c, "get_org", map[string]any{"org_id": org}); got["id"] != org {
				t.Fatalf("org gone: %v", got)
			}
			if bal := mustOK(t, c, "get_balance", nil); bal["balance_cents"] != float64(0) {
				t.Fatalf("money moved: %v", bal)
			}
			mustOK(t, c, "whoami", nil)
		})
	}
}
