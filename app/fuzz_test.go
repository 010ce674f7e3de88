package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/myapihq/myapihq-mcp/sandbox"
)

// FuzzStdioStream feeds arbitrary bytes to the server the way stdio does:
// through the line limiter, one JSON-RPC message per line, into the full
// server (every tool, against an in-process sandbox). Whatever comes in, it
// must not crash, every request with an id must get an answer, and every
// answer must encode. Seeds: testdata/fuzz/FuzzStdioStream.
func FuzzStdioStream(f *testing.F) {
	f.Setenv("XDG_CONFIG_HOME", f.TempDir())
	sb, err := sandbox.New(sandbox.Options{RateLimit: -1, PasswordIterations: 1000})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	f.Cleanup(func() { srv.Close(); sb.Close() })
	a, err := Build(Config{BaseURL: srv.URL, CredentialStore: "file", Version: "fuzz", Stderr: io.Discard}, Stdio)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_org","arguments":{"name":"x"}}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		sc := bufio.NewScanner(newLineLimiter(bytes.NewReader(data), 64<<10))
		sc.Buffer(make([]byte, 4096), 128<<10)
		for sc.Scan() {
			line := sc.Bytes()
			resp := a.MCP.HandleMessage(context.Background(), append([]byte(nil), line...))
			var req struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			isRequest := json.Unmarshal(line, &req) == nil && req.Method != "" && len(req.ID) > 0 && string(req.ID) != "null"
			if isRequest && resp == nil {
				t.Fatalf("no answer to %q", line)
			}
			if resp != nil {
				if _, err := json.Marshal(resp); err != nil {
					t.Fatalf("answer to %q does not encode: %v", line, err)
				}
			}
		}
	})
}
