package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLabelsComeFromClosedSets: whatever text reaches a method, the
// label values exported are the package's own.
func TestLabelsComeFromClosedSets(t *testing.T) {
	t.Parallel()
	m := New()
	m.Offer([]string{"top_up", "get_balance"})
	hostile := []string{"h0stile", "h0stile\nmyapihq_mcp_forged 1", strings.Repeat("h0stile", 30_000), "asked\x00", "accept ", ""}
	for _, h := range hostile {
		m.ObserveTool(h, h, time.Millisecond)
		m.Consent(h)
		m.Limited(h)
	}
	m.ObserveTool("top_up", OutcomeOK, time.Millisecond)
	m.Consent(ConsentAccept)
	for _, code := range []int{200, 401, 599, 999, 42, -1} {
		m.HTTPRequest(code)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{`tool_calls_total{outcome="error",tool="unknown"} 6`, `tool_calls_total{outcome="ok",tool="top_up"} 1`,
		`consent_total{outcome="invalid"} 6`, `consent_total{outcome="accept"} 1`, `limited_total{reason="other"} 6`,
		`http_requests_total{code="200"} 1`, `http_requests_total{code="other"} 4`} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %s", want)
		}
	}
	if strings.Contains(body, "h0stile") || strings.Contains(body, "forged") || strings.Contains(body, `code="999"`) {
		t.Errorf("a caller's text is in /metrics:\n%s", body)
	}
}
