package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/markup"
)

// The console is the page a human watches their agent's sandbox session on:
// server-rendered, readable without JavaScript, kept live by a small script
// that swaps in the same server-rendered HTML from an event stream. It only
// reads the state; the only actions on it are the sandbox's own human pages
// (mailed links, the checkout form).

// consolePath is where every sandbox serves its console.
const consolePath = "/_sandbox/console"

// ConsoleURL is the console of the sandbox at base.
func ConsoleURL(base string) string { return strings.TrimRight(base, "/") + consolePath }

//go:embed console
var consoleFiles embed.FS

// consoleCSP allows the page's own script and stylesheet files only: no
// inline script or style, no framing, no form posting elsewhere.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxConsoleStreams bounds the live streams open at once: each renders the
// page on every change.
const maxConsoleStreams = 32

type console struct {
	s       *Server
	streams atomic.Int32
	log     *requestLog
	quit    chan struct{}
	once    sync.Once
	// poll is how often the live stream looks for changes no request made
	// (webhook deliveries, import progress).
	poll time.Duration
}

func newConsole(s *Server) *console {
	c := &console{s: s, log: newRequestLog(requestLogSize, s.now), quit: make(chan struct{}), poll: time.Second}
	s.mux.Handle("GET "+consolePath, c.guard(c.page))
	s.mux.Handle("GET "+consolePath+"/events", c.guard(c.events))
	s.mux.Handle("GET "+consolePath+"/requests", c.guard(c.requests))
	s.mux.Handle("GET "+consolePath+"/app.js", c.guard(c.asset("console/app.js", "text/javascript; charset=utf-8")))
	s.mux.Handle("GET "+consolePath+"/style.css", c.guard(c.asset("console/style.css", "text/css; charset=utf-8")))
	s.mux.Handle("GET "+consolePath+"/icon.svg", c.guard(c.asset("console/icon.svg", "image/svg+xml")))
	return c
}

// close ends the live streams, so a server shutdown does not wait for them.
func (c *console) close() { c.once.Do(func() { close(c.quit) }) }

// guard serves only requests addressed to a loopback host, so a web page
// that rebinds its own name to 127.0.0.1 cannot read the console, and sets
// the headers every console answer carries.
func (c *console) guard(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", consoleCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		loopbackOnly(h).ServeHTTP(w, r)
	})
}

// loopbackOnly serves a human's page or the sandbox's own inspection data
// only to requests addressed to a loopback host (a web page that rebinds
// its name to 127.0.0.1 sends its own name), and not to another site's
// script or subresource (which sends the real Host, but its Origin or
// Sec-Fetch-Site): a link followed from elsewhere still opens it.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.HostPort(r.Host) {
			http.Error(w, "the sandbox console answers only on its loopback address (127.0.0.1, [::1] or localhost)", http.StatusMisdirectedRequest)
			return
		}
		if !sameSite(r) {
			http.Error(w, "the sandbox console answers only its own pages, not another site's", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// sameSite: no Origin or the request's own, and no cross-site fetch other
// than a top-level navigation.
func sameSite(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "http" || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	site, mode := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Sec-Fetch-Mode")
	return site != "cross-site" && site != "same-site" || mode == "navigate"
}

func (c *console) asset(name, ctype string) http.HandlerFunc {
	body, err := consoleFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(body) //nolint:errcheck
	}
}

func (c *console) page(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := c.render(r.Context(), &buf, r.URL.Query().Get("account"), "page"); err != nil {
		http.Error(w, "rendering the console: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes()) //nolint:errcheck
}

// requests is the whole request log as JSON, newest first.
func (c *console) requests(w http.ResponseWriter, r *http.Request) {
	reqs, _ := c.log.latest()
	out := make([]map[string]any, len(reqs))
	for i, e := range reqs {
		m := map[string]any{"seq": e.Seq, "at": e.At.UTC().Format(time.RFC3339Nano), "method": e.Method, "path": e.Path,
			"status": e.Status, "latency_ms": float64(e.Latency.Microseconds()) / 1000, "request_id": e.RequestID, "credential": e.Cred}
		if e.Fault != "" {
			m["fault"] = e.Fault
		}
		if e.Service != "" {
			m["service"] = e.Service
		}
		out[i] = m
	}
	writeJSON(w, http.StatusOK, out)
}

// render writes the whole page ("page") or its live part ("live").
func (c *console) render(ctx context.Context, w io.Writer, focus, which string) error {
	v, err := c.view(ctx, focus)
	if err != nil {
		return err
	}
	var b markup.Builder
	if which == "page" {
		consolePage(&b, *v)
	} else {
		consoleLive(&b, *v)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// events streams the live part of the page each time it changes: on every
// logged request, and on a slow poll for what changes without a request.
func (c *console) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	if c.streams.Add(1) > maxConsoleStreams {
		c.streams.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many console streams open: close a console tab", http.StatusServiceUnavailable)
		return
	}
	defer c.streams.Add(-1)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	focus := r.URL.Query().Get("account")
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	var last [32]byte
	var buf bytes.Buffer
	for {
		_, changed := c.log.latest()
		buf.Reset()
		if err := c.render(r.Context(), &buf, focus, "live"); err != nil {
			return
		}
		if sum := sha256.Sum256(buf.Bytes()); sum != last {
			last = sum
			var ev bytes.Buffer
			ev.WriteString("event: page\n")
			// An event-stream line ends at CRLF, LF or a lone CR: a CR left
			// in a value (ids are not spelled out) would end a data line
			// and could dispatch half a page. The page reads the same with
			// every line break an LF.
			page := bytes.ReplaceAll(buf.Bytes(), []byte("\r\n"), []byte("\n"))
			page = bytes.ReplaceAll(page, []byte("\r"), []byte("\n"))
			for _, line := range bytes.Split(page, []byte("\n")) {
				ev.WriteString("data: ")
				ev.Write(line)
				ev.WriteString("\n")
			}
			ev.WriteString("\n")
			if _, err := w.Write(ev.Bytes()); err != nil {
				return
			}
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-c.quit:
			return
		case <-changed:
			// a burst of requests makes one update, not one per request
			select {
			case <-time.After(150 * time.Millisecond):
			case <-r.Context().Done():
				return
			case <-c.quit:
				return
			}
		case <-tick.C:
		}
	}
}
