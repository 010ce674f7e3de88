// Package metrics holds the remote mode's metrics and serves them in the
// Prometheus text format. It is plain code of its own, not the client
// library: every package linked runs its initialisers on every start of
// every mode, and the library's added ~1 ms to each stdio start and ~2.4
// MB to the binary, for an endpoint only the remote mode serves
// (docs/dependencies.md). No global state: tests build as many as they like.
//
// Every label value comes from a set this package defines: a value from
// outside (a client's elicitation action, a tool name, a status an
// upstream sent) is mapped into its set, and anything else counts as
// "invalid", "unknown" or "other". A tenant cannot write its text into
// /metrics, for whoever scrapes it to read, nor grow its series: the
// counters are unexported, and the methods below are the only way in.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Outcomes of a tool call (myapihq_mcp_tool_calls_total's outcome).
const (
	OutcomeOK            = "ok"
	OutcomeToolError     = "tool_error"
	OutcomeError         = "error"
	OutcomeInputRequired = "input_required"
)

// Consent outcomes (myapihq_mcp_consent_total's outcome): a question
// asked, the client's answer, or a refusal of the legacy era.
const (
	ConsentAsked         = "asked"
	ConsentAccept        = "accept"
	ConsentDecline       = "decline"
	ConsentCancel        = "cancel"
	ConsentInvalid       = "invalid" // an action the protocol does not define
	ConsentRefusedLegacy = "refused_legacy"
)

// Reasons a request was refused before the server (myapihq_mcp_limited_total).
const (
	LimitRate        = "rate"
	LimitConcurrency = "concurrency"
	LimitScope       = "scope"
	LimitUnknownKeys = "unknown_keys" // keys the HQ does not know, from one address, before it is asked
)

// UnknownTool is the tool label of a name the server does not offer.
const UnknownTool = "unknown"

var (
	outcomes = set(OutcomeOK, OutcomeToolError, OutcomeError, OutcomeInputRequired)
	consents = set(ConsentAsked, ConsentAccept, ConsentDecline, ConsentCancel, ConsentInvalid, ConsentRefusedLegacy)
	limits   = set(LimitRate, LimitConcurrency, LimitScope, LimitUnknownKeys)
)

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// in is v when the set holds it, else other.
func in(s map[string]bool, v, other string) string {
	if s[v] {
		return v
	}
	return other
}

// Metrics are what an operator graphs and alerts on.
type Metrics struct {
	InFlight Gauge // tool calls being served now

	toolCalls    *counter   // outcome, tool
	toolLatency  *histogram // tool
	hqRequests   *counter   // status
	consent      *counter   // outcome
	limited      *counter   // reason
	httpRequests *counter   // code

	mu    sync.RWMutex
	tools map[string]bool // the offered tools' names (Offer)
}

// New makes the metrics, every count at zero.
func New() *Metrics {
	return &Metrics{
		toolCalls: newCounter("myapihq_mcp_tool_calls_total",
			"Tool calls by tool (\"unknown\" for a name not offered) and outcome (ok, tool_error, error, input_required).", "outcome", "tool"),
		toolLatency: newHistogram("myapihq_mcp_tool_call_duration_seconds", "Tool call latency, HQ round trips included.", "tool",
			.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60),
		hqRequests: newCounter("myapihq_mcp_hq_requests_total",
			"Requests to the HQ API by HTTP status (\"error\" when no answer came, \"other\" for a status HTTP does not define).", "status"),
		consent: newCounter("myapihq_mcp_consent_total",
			"Consent questions: asked, accept, decline, cancel, invalid (an answer with another action), refused_legacy.", "outcome"),
		limited: newCounter("myapihq_mcp_limited_total",
			"Requests refused by a limit: rate, concurrency (per tenant), scope (OAuth), unknown_keys (per address, before the HQ is asked).", "reason"),
		httpRequests: newCounter("myapihq_mcp_http_requests_total", "MCP endpoint requests by HTTP status code.", "code"),
	}
}

// Handler serves /metrics: every family now, in the text format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		body := text(m.families())
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// families is a snapshot of every metric.
func (m *Metrics) families() []family {
	fams := []family{m.toolCalls.collect(), m.toolLatency.collect(), m.hqRequests.collect(),
		m.consent.collect(), m.limited.collect(), m.httpRequests.collect(),
		gauge("myapihq_mcp_tool_calls_in_flight", "Tool calls being served now.", float64(m.InFlight.Value()))}
	return append(fams, runtimeFamilies()...)
}

// Offer names the tools the server offers: the only tool labels.
func (m *Metrics) Offer(names []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tools = set(names...)
}

func (m *Metrics) tool(name string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return in(m.tools, name, UnknownTool)
}

// ObserveTool records one finished call.
func (m *Metrics) ObserveTool(tool, outcome string, took time.Duration) {
	tool = m.tool(tool)
	m.toolCalls.inc(in(outcomes, outcome, OutcomeError), tool)
	m.toolLatency.observe(tool, took.Seconds())
}

// Consent counts a consent outcome: one of the Consent* constants, or a
// client's elicitation action (an action the protocol does not define
// counts as ConsentInvalid).
func (m *Metrics) Consent(outcome string) {
	m.consent.inc(in(consents, outcome, ConsentInvalid))
}

// Limited counts a request refused for reason (a Limit* constant).
func (m *Metrics) Limited(reason string) {
	m.limited.inc(in(limits, reason, "other"))
}

// HTTPRequest counts an MCP endpoint request by its answer's status.
func (m *Metrics) HTTPRequest(code int) {
	m.httpRequests.inc(status(code))
}

// status names an HTTP status: one HTTP defines, or "other".
func status(code int) string {
	if http.StatusText(code) == "" {
		return "other"
	}
	return strconv.Itoa(code)
}

// Transport counts the HQ answers by status on their way back.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(r)
		if err != nil {
			m.hqRequests.inc("error")
			return res, err
		}
		m.hqRequests.inc(status(res.StatusCode))
		return res, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
