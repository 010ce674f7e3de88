package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests read the wire itself, in order, as a strict client would:
// mcp-go's client dispatches notifications apart from responses, so it
// cannot tell which came first.

// wireMsg is one JSON-RPC message as it arrived.
type wireMsg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Token   any    `json:"progressToken"`
		Message string `json:"message"`
	} `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// orderCheck flags progress that arrives after its call's response.
type orderCheck struct {
	mu       sync.Mutex
	answered map[string]bool // call id -> response seen
	progress map[string]int  // call id -> notifications seen before its response
	late     []string
}

func newOrderCheck() *orderCheck {
	return &orderCheck{answered: map[string]bool{}, progress: map[string]int{}}
}

func (o *orderCheck) see(m wireMsg) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case m.Method == "notifications/progress":
		id := strings.TrimPrefix(fmt.Sprint(m.Params.Token), "tok-")
		if o.answered[id] {
			o.late = append(o.late, fmt.Sprintf("call %s: %q after its response", id, m.Params.Message))
		} else {
			o.progress[id]++
		}
	case m.Method == "" && len(m.ID) > 0:
		o.answered[string(m.ID)] = true
	}
}

func toolCall(id int, name string, args map[string]any, token string) map[string]any {
	params := map[string]any{"name": name, "arguments": args}
	if token != "" {
		params["_meta"] = map[string]any{"progressToken": token}
	}
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}
}

var initialize = map[string]any{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": map[string]any{
	"protocolVersion": "2025-11-25", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "wire", "version": "1"}}}

const importCalls = 12

// setupCalls onboard, save a card and fund the imports (the client cannot
// elicit, so top_up proceeds on the host's approval).
func setupCalls() []map[string]any {
	return []map[string]any{
		toolCall(1, "create_agent", nil, ""),
		toolCall(2, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"}, ""),
		toolCall(3, "top_up", map[string]any{"amount_cents": 1000}, ""),
	}
}

func importCall(i int) map[string]any {
	return toolCall(100+i, "import_brand", map[string]any{"domain": fmt.Sprintf("brand%d.example.com", i)}, fmt.Sprintf("tok-%d", 100+i))
}

// TestToolsProgressBeforeResponseStdio: every import's progress, the last
// step included, is on stdout before the import's response.
func TestToolsProgressBeforeResponseStdio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cmd := exec.Command(binary, append([]string{"stdio"}, e.sandboxArgs()...)...)
	cmd.Env = append(cmd.Environ(), e.vars()...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	check := newOrderCheck()
	responses := make(chan wireMsg, 64)
	var capabilities json.RawMessage
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var m wireMsg
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			check.see(m)
			if m.Method == "" {
				if string(m.ID) == "0" {
					var r struct {
						Capabilities json.RawMessage `json:"capabilities"`
					}
					json.Unmarshal(m.Result, &r)
					capabilities = r.Capabilities
				}
				responses <- m
			}
		}
		close(responses)
	}()
	send := func(v any) {
		b, _ := json.Marshal(v)
		stdin.Write(append(b, '\n'))
	}
	wait := func() wireMsg {
		select {
		case m, ok := <-responses:
			if !ok {
				t.Fatal("the server closed stdout")
			}
			if len(m.Error) > 0 || bytes.Contains(m.Result, []byte(`"isError":true`)) {
				t.Fatalf("call %s failed: %s %s", m.ID, m.Error, m.Result)
			}
			return m
		case <-time.After(30 * time.Second):
			t.Fatal("no response")
		}
		return wireMsg{}
	}
	send(initialize)
	wait()
	if bytes.Contains(capabilities, []byte("elicitation")) {
		t.Fatalf("the server advertises elicitation, a client capability: %s", capabilities)
	}
	send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	for _, c := range setupCalls() {
		send(c)
		wait()
	}
	for i := range importCalls {
		send(importCall(i))
		wait()
	}
	assertOrder(t, check)
}

func assertOrder(t *testing.T, check *orderCheck) {
	t.Helper()
	check.mu.Lock()
	defer check.mu.Unlock()
	if len(check.late) > 0 {
		t.Fatalf("%d progress notification(s) after their response:\n%s", len(check.late), strings.Join(check.late, "\n"))
	}
	for i := range importCalls {
		if n := check.progress[fmt.Sprint(100+i)]; n < 2 {
			t.Fatalf("call %d: %d progress notification(s) before its response, want its first and last step", 100+i, n)
		}
	}
}

// TestToolsProgressBeforeResponseHTTP: the same over streamable HTTP, where
// each call's SSE stream must carry its progress before its response.
func TestToolsProgressBeforeResponseHTTP(t *testing.T) {
	t.Parallel()
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(era, func(t *testing.T) {
			t.Parallel()
			progressOverHTTP(t, era)
		})
	}
}

// modernMeta is what a 2026-07-28 request carries instead of a session.
func modernMeta(v map[string]any) map[string]any {
	params, _ := v["params"].(map[string]any)
	if params == nil {
		params = map[string]any{}
		v["params"] = params
	}
	meta, _ := params["_meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		params["_meta"] = meta
	}
	meta["io.modelcontextprotocol/protocolVersion"] = "2026-07-28"
	meta["io.modelcontextprotocol/clientCapabilities"] = map[string]any{}
	meta["io.modelcontextprotocol/clientInfo"] = map[string]any{"name": "wire", "version": "1"}
	return v
}

func progressOverHTTP(t *testing.T, era string) {
	e := newEnv(t)
	url := startHTTP(t, e)
	check := newOrderCheck()
	session := ""
	var firstResult json.RawMessage // initialize's or server/discover's
	post := func(v map[string]any) {
		t.Helper()
		if era == "2026-07-28" {
			v = modernMeta(v)
		}
		b, _ := json.Marshal(v)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", era)
		if era == "2026-07-28" { // the modern era mirrors method and name in headers
			req.Header.Set("Mcp-Method", fmt.Sprint(v["method"]))
			if params, _ := v["params"].(map[string]any); params["name"] != nil {
				req.Header.Set("Mcp-Name", fmt.Sprint(params["name"]))
			}
		}
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if s := resp.Header.Get("Mcp-Session-Id"); s != "" {
			session = s
		}
		body, _ := io.ReadAll(resp.Body)
		if os.Getenv("DEBUG_WIRE") != "" {
			t.Logf("%s %s: %s", resp.Status, resp.Header.Get("Content-Type"), body)
		}
		var msgs [][]byte
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			for _, line := range strings.Split(string(body), "\n") {
				if data, isData := strings.CutPrefix(line, "data: "); isData {
					msgs = append(msgs, []byte(data))
				}
			}
		} else if len(bytes.TrimSpace(body)) > 0 {
			msgs = append(msgs, body)
		}
		for _, raw := range msgs {
			var m wireMsg
			if json.Unmarshal(raw, &m) == nil {
				if string(m.ID) == "0" {
					firstResult = m.Result
				}
				check.see(m)
				if bytes.Contains(m.Result, []byte(`"isError":true`)) {
					t.Fatalf("call failed: %s", m.Result)
				}
			}
		}
	}
	if era == "2025-11-25" {
		post(initialize)
		post(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	} else {
		post(map[string]any{"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": map[string]any{}})
	}
	if !bytes.Contains(firstResult, []byte(`"capabilities"`)) || bytes.Contains(firstResult, []byte("elicitation")) {
		t.Fatalf("%s: the server's capabilities must not advertise elicitation (a client capability): %s", era, firstResult)
	}
	for _, c := range setupCalls() {
		post(c)
	}
	for i := range importCalls {
		post(importCall(i))
	}
	assertOrder(t, check)
}
