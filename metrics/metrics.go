// Package metrics holds the Prometheus collectors of the remote mode, on a
// registry of their own (no global state: tests build as many as they like).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are what an operator graphs and alerts on.
type Metrics struct {
	Registry     *prometheus.Registry
	ToolCalls    *prometheus.CounterVec   // tool, outcome
	ToolLatency  *prometheus.HistogramVec // tool
	InFlight     prometheus.Gauge
	HQRequests   *prometheus.CounterVec // status
	Consent      *prometheus.CounterVec // outcome
	Limited      *prometheus.CounterVec // reason
	HTTPRequests *prometheus.CounterVec // code
}

// New registers every collector, with the Go runtime and process ones.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		ToolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_tool_calls_total",
			Help: "Tool calls by tool and outcome (ok, tool_error, error, input_required, refused)."}, []string{"tool", "outcome"}),
		ToolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "myapihq_mcp_tool_call_duration_seconds",
			Help:    "Tool call latency, HQ round trips included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"tool"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "myapihq_mcp_tool_calls_in_flight",
			Help: "Tool calls being served now."}),
		HQRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_hq_requests_total",
			Help: "Requests to the HQ API by HTTP status (\"error\" when no answer came)."}, []string{"status"}),
		Consent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_consent_total",
			Help: "Consent questions: asked, accept, decline, cancel, refused_legacy."}, []string{"outcome"}),
		Limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_limited_total",
			Help: "Requests refused by a per-tenant limit (rate, concurrency)."}, []string{"reason"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "myapihq_mcp_http_requests_total",
			Help: "MCP endpoint requests by HTTP status code."}, []string{"code"}),
	}
	m.Registry.MustRegister(m.ToolCalls, m.ToolLatency, m.InFlight, m.HQRequests, m.Consent, m.Limited, m.HTTPRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveTool records one finished call.
func (m *Metrics) ObserveTool(tool, outcome string, took time.Duration) {
	m.ToolCalls.WithLabelValues(tool, outcome).Inc()
	m.ToolLatency.WithLabelValues(tool).Observe(took.Seconds())
}

// Transport counts the HQ answers by status on their way back.
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(r)
		if err != nil {
			m.HQRequests.WithLabelValues("error").Inc()
			return res, err
		}
		m.HQRequests.WithLabelValues(strconv.Itoa(res.StatusCode)).Inc()
		return res, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
