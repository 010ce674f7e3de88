package metrics

import (
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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
	_, body := scrape(t, m)
	parse(t, body)
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

// scrape is the handler's answer: its Content-Type and body.
func scrape(t *testing.T, m *Metrics) (string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Header().Get("Content-Type"), rec.Body.String()
}

// parse reads body as a scraper would, with the Prometheus text parser.
func parse(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid text exposition: %v\n%s", err, body)
	}
	return fams
}

// TestOutputParses: the Prometheus parser reads the whole of /metrics, with
// every family of ours and the runtime's, each of its type, and histograms
// whose buckets are cumulative, end at +Inf and agree with _count and _sum.
func TestOutputParses(t *testing.T) {
	t.Parallel()
	m := New()
	m.Offer([]string{"top_up", "get_balance"})
	took := map[string][]time.Duration{
		"top_up":      {5 * time.Millisecond, 7 * time.Millisecond, time.Second, 61 * time.Second},
		"get_balance": {time.Microsecond},
		"h0stile":     {20 * time.Millisecond},
	}
	for tool, ds := range took {
		for _, d := range ds {
			m.ObserveTool(tool, OutcomeOK, d)
		}
	}
	m.Consent(ConsentAsked)
	m.Limited(LimitRate)
	m.HTTPRequest(200)
	m.InFlight.Inc()
	m.InFlight.Inc()
	m.InFlight.Dec()
	_, _ = m.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 402}, nil })).
		RoundTrip(httptest.NewRequest(http.MethodGet, "/", nil))

	ctype, body := scrape(t, m)
	if ctype != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ctype)
	}
	fams := parse(t, body)
	want := map[string]string{
		"myapihq_mcp_tool_calls_total": "COUNTER", "myapihq_mcp_tool_call_duration_seconds": "HISTOGRAM",
		"myapihq_mcp_tool_calls_in_flight": "GAUGE", "myapihq_mcp_hq_requests_total": "COUNTER",
		"myapihq_mcp_consent_total": "COUNTER", "myapihq_mcp_limited_total": "COUNTER", "myapihq_mcp_http_requests_total": "COUNTER",
		"go_goroutines": "GAUGE", "go_memstats_heap_alloc_bytes": "GAUGE", "go_memstats_sys_bytes": "GAUGE", "go_info": "GAUGE",
		"process_start_time_seconds": "GAUGE",
	}
	if runtime.GOOS == "linux" {
		for _, name := range []string{"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds"} {
			want[name] = "GAUGE"
		}
		want["process_cpu_seconds_total"] = "COUNTER"
	}
	for name, typ := range want {
		f := fams[name]
		if f == nil {
			t.Errorf("lacks %s", name)
			continue
		}
		if f.GetType().String() != typ || f.GetHelp() == "" {
			t.Errorf("%s: type %s, help %q; want %s", name, f.GetType(), f.GetHelp(), typ)
		}
	}
	if v := fams["myapihq_mcp_tool_calls_in_flight"].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("in flight: %v", v)
	}
	if got := fams["myapihq_mcp_hq_requests_total"].GetMetric()[0]; got.GetLabel()[0].GetValue() != "402" || got.GetCounter().GetValue() != 1 {
		t.Errorf("hq requests: %v", got)
	}
	if runtime.GOOS == "linux" {
		if v := fams["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue(); v < 1<<20 {
			t.Errorf("resident memory %v bytes", v)
		}
	}
	if start := fams["process_start_time_seconds"].GetMetric()[0].GetGauge().GetValue(); start > float64(time.Now().Unix())+1 || start < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("start time %v", start)
	}

	bounds := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, math.Inf(1)}
	series := fams["myapihq_mcp_tool_call_duration_seconds"].GetMetric()
	if len(series) != 3 {
		t.Fatalf("%d latency series, want top_up, get_balance and unknown", len(series))
	}
	for _, s := range series {
		tool := s.GetLabel()[0].GetValue()
		h := s.GetHistogram()
		ds := took[tool]
		if tool == UnknownTool {
			ds = took["h0stile"]
		}
		var sum float64
		for _, d := range ds {
			sum += d.Seconds()
		}
		if h.GetSampleCount() != uint64(len(ds)) || math.Abs(h.GetSampleSum()-sum) > 1e-9 {
			t.Errorf("%s: count %d sum %v, want %d %v", tool, h.GetSampleCount(), h.GetSampleSum(), len(ds), sum)
		}
		bs := h.GetBucket()
		if len(bs) != len(bounds) {
			t.Fatalf("%s: %d buckets", tool, len(bs))
		}
		var prev uint64
		for i, b := range bs {
			var in uint64 // observations at or under this bound, counted here
			for _, d := range ds {
				if d.Seconds() <= bounds[i] {
					in++
				}
			}
			if b.GetUpperBound() != bounds[i] || b.GetCumulativeCount() != in || b.GetCumulativeCount() < prev {
				t.Errorf("%s: bucket le=%v holds %d, want le=%v holding %d", tool, b.GetUpperBound(), b.GetCumulativeCount(), bounds[i], in)
			}
			prev = b.GetCumulativeCount()
		}
		if prev != h.GetSampleCount() {
			t.Errorf("%s: +Inf bucket %d, _count %d", tool, prev, h.GetSampleCount())
		}
	}
}

// TestEscapeRoundTrips: a label value or help text with a backslash, a
// quote and a line feed reads back from the text as written. (Every label
// value is from a closed set; this is the format's own rule, kept anyway.)
func TestEscapeRoundTrips(t *testing.T) {
	t.Parallel()
	odd := "a\\b\"c\nd} e=\"1\" \\n"
	body := string(text([]family{
		{name: "odd_total", help: odd, kind: "counter", samples: []sample{{labels: []label{{"v", odd}}, value: 1}}},
		{name: "empty_total", help: "no series: no lines", kind: "counter"},
	}))
	if strings.Contains(body, "empty_total") {
		t.Errorf("a family without series is written:\n%s", body)
	}
	f := parse(t, body)["odd_total"]
	if f.GetHelp() != odd || f.GetMetric()[0].GetLabel()[0].GetValue() != odd || len(f.GetMetric()) != 1 {
		t.Errorf("read back %q, %v from:\n%s", f.GetHelp(), f.GetMetric(), body)
	}
}

// TestCountsUnderConcurrency: counts from many goroutines, scraped while
// they run, add up exactly at the end (and go test -race finds no race).
func TestCountsUnderConcurrency(t *testing.T) {
	t.Parallel()
	m := New()
	m.Offer([]string{"top_up"})
	hq := m.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil }))
	const workers, each = 8, 200
	done := make(chan struct{})
	scraped := make(chan int)
	go func() { // scrapes while the counts move; t.Errorf, not Fatal, off the test's goroutine
		n := 0
		defer func() { scraped <- n }()
		for {
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			p := expfmt.NewTextParser(model.LegacyValidation)
			if _, err := p.TextToMetricFamilies(rec.Body); err != nil {
				t.Errorf("scrape %d: %v", n, err)
				return
			}
			n++
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m.InFlight.Inc()
				m.ObserveTool("top_up", OutcomeOK, time.Duration(i)*time.Millisecond)
				m.Consent(ConsentAccept)
				m.Limited(LimitScope)
				m.HTTPRequest(200 + w%2)
				_, _ = hq.RoundTrip(httptest.NewRequest(http.MethodGet, "/", nil))
				m.InFlight.Dec()
				if i%50 == 0 {
					m.Offer([]string{"top_up"})
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	t.Logf("%d scrapes while counting", <-scraped)
	_, body := scrape(t, m)
	n := strconv.Itoa(workers * each)
	for _, want := range []string{`myapihq_mcp_tool_calls_total{outcome="ok",tool="top_up"} ` + n, `myapihq_mcp_consent_total{outcome="accept"} ` + n,
		`myapihq_mcp_limited_total{reason="scope"} ` + n, `myapihq_mcp_hq_requests_total{status="200"} ` + n,
		`myapihq_mcp_tool_call_duration_seconds_count{tool="top_up"} ` + n, `myapihq_mcp_tool_call_duration_seconds_bucket{tool="top_up",le="+Inf"} ` + n,
		`myapihq_mcp_http_requests_total{code="200"} ` + strconv.Itoa(workers*each/2), `myapihq_mcp_tool_calls_in_flight 0`} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("lacks %s", want)
		}
	}
}
