package sandbox

import (
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
)

// guard refuses, before any route runs, what a well-behaved client never
// sends (docs/api.md, "Sandbox edge"):
//   - a path that is not canonical: http.ServeMux would answer it with a
//     307 to the cleaned path, and a client that follows it with the same
//     method (DELETE …/webhooks/.. → DELETE the org) acts on another resource;
//   - a Host that is not a loopback address (or, with AllowRemote, an IP
//     literal or PublicURL's host): a web page whose name rebinds to
//     127.0.0.1 would otherwise reach the sandbox as same-origin;
//   - an Origin that is not local (nor PublicURL's): a browser page elsewhere.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if p := r.URL.Path; p == "" || p[0] != '/' || cleanPath(p) != p || encodedSeparator(r.URL.RawPath) {
		w.Header().Set("X-Request-Id", newID("req"))
		writeError(w, fail(http.StatusBadRequest, "non_canonical_path", "the path is not canonical (empty, dot or doubled segments): nothing was done"))
		return false
	}
	if !s.hostAllowed(r.Host) {
		writeError(w, fail(http.StatusMisdirectedRequest, "host_not_allowed",
			"this sandbox answers only its loopback address; start it with --allow-remote to serve other hosts"))
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && !s.originAllowed(o) {
		writeError(w, fail(http.StatusForbidden, "origin_not_allowed", "requests from web pages of other origins are refused"))
		return false
	}
	return true
}

// encodedSeparator: an escaped '/', '\' or '.' hides a segment boundary
// or a dot segment from the mux and shows it to whatever decodes later.
func encodedSeparator(raw string) bool {
	raw = strings.ToLower(raw)
	return strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(raw, "%2e")
}

// cleanPath is path.Clean keeping a trailing slash, as the mux compares.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

func (s *Server) publicHost() string {
	if s.opts.PublicURL == "" {
		return ""
	}
	u, err := url.Parse(s.opts.PublicURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if loopback.Host(host) || (host != "" && host == s.publicHost()) {
		return true
	}
	return s.opts.AllowRemote && net.ParseIP(host) != nil
}

func (s *Server) originAllowed(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return loopback.Host(host) || (host != "" && host == s.publicHost())
}
