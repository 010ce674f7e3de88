package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkConsoleRender is the page's server-side cost with a full request
// log (1,000 entries) and an agent with keys, orgs and a ledger.
//
//	go test -run '^$' -bench ConsoleRender -benchmem ./sandbox/
func BenchmarkConsoleRender(b *testing.B) {
	s, err := New(Options{PasswordIterations: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	call := func(method, path, bearer string, body any) map[string]any {
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(raw))
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out) //nolint:errcheck
		return out
	}
	a := call("POST", "/hq/account/agent/create", "", map[string]any{"label": "bench"})
	jwt := a["token"].(string)
	key := call("POST", "/hq/account/create/key", jwt, map[string]any{"name": "k"})["api_key"].(string)
	for i := range 5 {
		call("POST", "/hq/orgs", key, map[string]any{"name": fmt.Sprint("Org ", i), "description": "an org"})
	}
	for i := 0; len(s.console.log.ring) < requestLogSize; i++ {
		s.console.log.add(loggedRequest{At: time.Now(), Method: "GET", Path: fmt.Sprint("/hq/orgs/org_", i), Status: 200,
			Latency: time.Millisecond, RequestID: "req_0123456789abcdef", Cred: "api key"})
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := s.console.render(context.Background(), &buf, "", "page"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1024, "KiB/page")
}
