// Package metrics holds the Prometheus collectors of the remote mode, on a
// registry of their own (no global state: tests build as many as they like).
//
// Every label value comes from a set this package defines: a value from
// outside (a client's elicitation action, a tool name, a status an
// upstream sent) is mapped into its set, and anything else counts as
// "invalid", "unknown" or "other". A tenant cannot write its text into
// /metrics, for whoever scrapes it to read, nor grow its series: the
// collectors are unexported, and the methods below are the only way in.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	Registry *prometheus.Registry
	InFlight prometheus.Gauge

	toolCalls    *prometheus.CounterVec   // tool, outcome
	toolLatency  *prometheus.HistogramVec // tool
	hqRequests   *prometheus.CounterVec   // status
	consent      *prometheus.CounterVec   // outcome
	limited      *prometheus.CounterVec   // reason
	httpRequests *prometheus.CounterVec   // code

	mu    sync.RWMutex
	tools map[string]bool // the offered tools' names (Offer)
}

// New registers every collector, with the Go runtime and process ones.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_tool_calls_total",
			Help: "Tool calls by tool (\"unknown\" for a name not offered) and outcome (ok, tool_error, error, input_required)."}, []string{"tool", "outcome"}),
		toolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "myapihq_mcp_tool_call_duration_seconds",
			Help:    "Tool call latency, HQ round trips included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"tool"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "myapihq_mcp_tool_calls_in_flight",
			Help: "Tool calls being served now."}),
		hqRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_hq_requests_total",
			Help: "Requests to the HQ API by HTTP status (\"error\" when no answer came, \"other\" for a status HTTP does not define)."}, []string{"status"}),
		consent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_consent_total",
			Help: "Consent questions: asked, accept, decline, cancel, invalid (an answer with another action), refused_legacy."}, []string{"outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_limited_total",
			Help: "Requests refused by a limit: rate, concurrency (per tenant), scope (OAuth), unknown_keys (per address, before the HQ is asked)."}, []string{"reason"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_http_requests_total",
			Help: "MCP endpoint requests by HTTP status code."}, []string{"code"}),
	}
	m.Registry.MustRegister(m.toolCalls, m.toolLatency, m.InFlight, m.hqRequests, m.consent, m.limited, m.httpRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
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
	m.toolCalls.WithLabelValues(tool, in(outcomes, outcome, OutcomeError)).Inc()
	m.toolLatency.WithLabelValues(tool).Observe(took.Seconds())
}

// Consent counts a consent outcome: one of the Consent* constants, or a
// client's elicitation action (an action the protocol does not define
// counts as ConsentInvalid).
func (m *Metrics) Consent(outcome string) {
	m.consent.WithLabelValues(in(consents, outcome, ConsentInvalid)).Inc()
}

// Limited counts a request refused for reason (a Limit* constant).
func (m *Metrics) Limited(reason string) {
	m.limited.WithLabelValues(in(limits, reason, "other")).Inc()
}

// HTTPRequest counts an MCP endpoint request by its answer's status.
func (m *Metrics) HTTPRequest(code int) {
	m.httpRequests.WithLabelValues(status(code)).Inc()
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
			m.hqRequests.WithLabelValues("error").Inc()
			return res, err
		}
		m.hqRequests.WithLabelValues(status(res.StatusCode)).Inc()
		return res, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
