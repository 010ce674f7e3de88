package sandbox

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// requestLogSize bounds the request log: a long agent session must not grow
// the sandbox's memory, and the console shows the latest ones anyway.
const requestLogSize = 1000

// maxLoggedField bounds each text of an entry: a browser tab may send paths
// (and method tokens) near the server's 1 MB header limit, and 1,000 of
// those would hold a gigabyte.
const maxLoggedField = 512

// loggedRequest is one request as the console shows it. It holds no header
// value and no body: only what kind of credential came, never the credential.
type loggedRequest struct {
	Seq       uint64
	At        time.Time
	Method    string
	Path      string // without the query, which may carry a token
	Status    int    // 0: the connection was dropped without an answer
	Latency   time.Duration
	RequestID string
	Cred      string // api key | jwt | refresh cookie | none
	Fault     string // the injected fault (5xx, 429, drop), if any
	Service   string // <host> of /_services/<host>/…, the service stand-ins
}

// requestLog is a ring of the latest requests, with a signal for the console's
// live stream: changed is closed (and replaced) on every append.
type requestLog struct {
	mu      sync.Mutex
	ring    []loggedRequest
	next    int // where the next entry goes
	seq     uint64
	changed chan struct{}
	now     func() time.Time
}

func newRequestLog(size int, now func() time.Time) *requestLog {
	return &requestLog{ring: make([]loggedRequest, 0, size), changed: make(chan struct{}), now: now}
}

func (l *requestLog) add(e loggedRequest) {
	l.mu.Lock()
	l.seq++
	e.Seq = l.seq
	if len(l.ring) < cap(l.ring) {
		l.ring = append(l.ring, e)
	} else {
		l.ring[l.next] = e
	}
	l.next = (l.next + 1) % cap(l.ring)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// latest returns the entries newest first, and a channel closed on the next append.
func (l *requestLog) latest() ([]loggedRequest, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]loggedRequest, 0, len(l.ring))
	for i := 1; i <= len(l.ring); i++ {
		out = append(out, l.ring[(l.next-i+len(l.ring))%len(l.ring)])
	}
	return out, l.changed
}

// unlogged are the console's own requests: logging them would make the page
// report its own refreshes.
func unlogged(path string) bool {
	return path == consolePath || strings.HasPrefix(path, consolePath+"/")
}

// wrap logs every request that goes through h, outermost, so injected
// faults and dropped connections are seen as the client saw them.
func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unlogged(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		start := l.now()
		rec := &recorder{ResponseWriter: w}
		e := loggedRequest{At: start, Method: textsafe.ClipBytes(r.Method, maxLoggedField), Path: textsafe.ClipBytes(r.URL.Path, maxLoggedField), Cred: credentialKind(r), Service: textsafe.ClipBytes(serviceOf(r.URL.Path), maxLoggedField)}
		defer func() { // also when the handler aborts (a dropped answer panics with ErrAbortHandler)
			p := recover()
			e.Latency = l.now().Sub(start)
			e.Status = rec.status
			switch {
			case rec.hijacked || p == http.ErrAbortHandler:
				e.Status, e.Fault = 0, "drop"
			case p != nil:
				e.Status = 0
			case rec.status == 0:
				e.Status = http.StatusOK
			}
			if e.Fault == "" {
				e.Fault = w.Header().Get("X-Sandbox-Fault")
			}
			e.RequestID = w.Header().Get("X-Request-Id")
			l.add(e)
			if p != nil {
				panic(p)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

// credentialKind says which credential a request carried, never its value.
func credentialKind(r *http.Request) string {
	if b := bearer(r); b != "" {
		switch {
		case strings.HasPrefix(b, "hq_live_"):
			return "api key"
		case strings.Count(b, ".") == 2:
			return "jwt"
		}
		return "bearer (unknown)"
	}
	if _, err := r.Cookie(refreshCookie); err == nil {
		return "refresh cookie"
	}
	return "none"
}

// serviceOf is the stand-in service a path belongs to: /_services/<host>/….
func serviceOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/_services/")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}

// recorder notes the status; it passes hijacking through, which the fault
// injector uses to drop a connection.
type recorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	r.hijacked = true
	return hj.Hijack()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
