package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Faults make the sandbox misbehave the way networks and services do, so
// clients can be proven against it. Each API request (never /_sandbox/)
// draws once from a seeded generator, so a failing run can be replayed.
type Faults struct {
	P5xx       float64       // answer 503 without acting
	P429       float64       // answer 429 + Retry-After without acting
	PDrop      float64       // act (commit), then close the connection without an answer
	Latency    time.Duration // added before every API request
	RetryAfter time.Duration // what a 429 asks for (default 1s; whole seconds on the wire)
	Seed       uint64
}

// Active reports whether any fault is set.
func (f Faults) Active() bool { return f.P5xx > 0 || f.P429 > 0 || f.PDrop > 0 || f.Latency > 0 }

func (f Faults) String() string {
	return fmt.Sprintf("5xx=%g,429=%g,drop=%g,latency=%s,retry-after=%s,seed=%d", f.P5xx, f.P429, f.PDrop, f.Latency, f.RetryAfter, f.Seed)
}

// ParseFaults reads a spec such as "5xx=0.2,429=0.05,drop=0.1,latency=20ms,seed=7".
func ParseFaults(spec string) (Faults, error) {
	f := Faults{RetryAfter: time.Second, Seed: 1}
	if strings.TrimSpace(spec) == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want key=value", part)
		}
		var err error
		switch k {
		case "5xx", "429", "drop":
			var p float64
			p, err = strconv.ParseFloat(v, 64)
			if err == nil && (p < 0 || p > 1) {
				err = fmt.Errorf("a probability is between 0 and 1")
			}
			switch k {
			case "5xx":
				f.P5xx = p
			case "429":
				f.P429 = p
			default:
				f.PDrop = p
			}
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		case "retry-after":
			f.RetryAfter, err = time.ParseDuration(v)
		case "seed":
			f.Seed, err = strconv.ParseUint(v, 10, 64)
		default:
			err = fmt.Errorf("unknown fault (want 5xx, 429, drop, latency, retry-after, seed)")
		}
		if err != nil {
			return f, fmt.Errorf("fault %q: %v", part, err)
		}
	}
	if f.P5xx+f.P429+f.PDrop > 1 {
		return f, fmt.Errorf("fault probabilities add up to more than 1")
	}
	return f, nil
}

type faulty struct {
	f    Faults
	next http.Handler
	mu   sync.Mutex
	rnd  *rand.Rand
	// what was injected, for /_sandbox/faults
	requests, n5xx, n429, drops atomic.Int64
}

// counts reports what was injected so far.
func (h *faulty) counts() map[string]any {
	return map[string]any{"spec": h.f.String(), "requests": h.requests.Load(), "5xx": h.n5xx.Load(), "429": h.n429.Load(), "drop": h.drops.Load()}
}

func withFaults(f Faults, next http.Handler) *faulty {
	return &faulty{f: f, next: next, rnd: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))}
}

func (h *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/hq/") {
		h.next.ServeHTTP(w, r)
		return
	}
	if h.f.Latency > 0 {
		t := time.NewTimer(h.f.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	h.mu.Lock()
	x := h.rnd.Float64()
	h.mu.Unlock()
	h.requests.Add(1)
	switch {
	case x < h.f.P5xx:
		h.n5xx.Add(1)
		w.Header().Set("X-Sandbox-Fault", "5xx")
		writeError(w, fail(http.StatusServiceUnavailable, "injected_fault", "sandbox fault injection: service unavailable"))
	case x < h.f.P5xx+h.f.P429:
		h.n429.Add(1)
		w.Header().Set("X-Sandbox-Fault", "429")
		w.Header().Set("Retry-After", strconv.Itoa(int(h.f.RetryAfter/time.Second)))
		writeError(w, fail(http.StatusTooManyRequests, "rate_limited", "sandbox fault injection: rate limited"))
	case x < h.f.P5xx+h.f.P429+h.f.PDrop:
		h.drops.Add(1)
		// The change is made and committed; only the answer is lost.
		h.next.ServeHTTP(discardWriter{header: http.Header{}}, r)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the response instead
	default:
		h.next.ServeHTTP(w, r)
	}
}

// discardWriter takes an answer nobody will read (a dropped response).
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
