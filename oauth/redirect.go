package oauth

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Redirect URIs: where the authorization code goes, so the one thing a
// hostile registration most wants to point elsewhere.

// refusedScheme: these can never receive a code; they run, embed or read
// something instead of handing the code to an app.
func refusedScheme(s string) bool {
	switch s {
	case "javascript", "data", "file", "vbscript", "blob", "about", "ftp", "ws", "wss", "chrome", "view-source":
		return true
	}
	return false
}

// checkRedirectURI is the registration rule (RFC 8252, OAuth 2.1): https;
// http only to a loopback host (a native app's local listener); or an
// app's private-use scheme. No fragment, no user info.
func checkRedirectURI(raw string) error {
	if len(raw) > 2000 {
		return errors.New("a redirect_uri is longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") || u.User != nil {
		return errors.New("a redirect_uri is not an absolute URI without fragment and user info")
	}
	if !asciiHost(u) {
		return errors.New("a redirect_uri's host must be written in ASCII (an internationalised name as punycode, xn--…), so the consent page shows it as it is")
	}
	if u.Host != "" && !hostName(u.Hostname()) {
		return errors.New("a redirect_uri's host must be a host name or an IP address")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "https":
		if u.Host == "" {
			return errors.New("an https redirect_uri has no host")
		}
	case scheme == "http":
		if !loopback.Host(u.Hostname()) {
			return errors.New("a plain http redirect_uri must be a loopback address (127.0.0.1, [::1], localhost): use https")
		}
	case refusedScheme(scheme):
		return errors.New("a redirect_uri's scheme cannot receive a code")
	}
	return nil
}

// redirectMatches is the authorization request's rule: the redirect_uri
// must be one registered, character for character, except that a loopback
// http redirect may name any port (RFC 8252 §7.3: the app picks a free
// port when it starts).
func redirectMatches(registered []string, given string) bool {
	for _, r := range registered {
		if r == given {
			return true
		}
	}
	g, err := url.Parse(given)
	if err != nil || g.Scheme != "http" || !loopback.Host(g.Hostname()) {
		return false
	}
	for _, r := range registered {
		ru, err := url.Parse(r)
		if err != nil || ru.Scheme != "http" || !loopback.Host(ru.Hostname()) {
			continue
		}
		if ru.Hostname() == g.Hostname() && ru.EscapedPath() == g.EscapedPath() && ru.RawQuery == g.RawQuery &&
			g.User == nil && g.Fragment == "" {
			return true
		}
	}
	return false
}

// redirectHost is what the consent page names as where the code goes.
func redirectHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Host
}

// redirectSource is the CSP form-action source that lets the consent
// form's redirect reach the client (Chromium checks redirects after a form
// post against form-action).
func redirectSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

// asciiHost: the host is written in printable ASCII. The consent page
// names where the code goes by its host; one in Unicode may look like
// another (аpple.com with a Cyrillic а), while its punycode
// (xn--pple-43d.com) cannot pass for apple.com. Every browser sends the
// ASCII form anyway.
func asciiHost(u *url.URL) bool { return textsafe.PrintableASCII(u.Host) }

// hostName: h is an IP address or a DNS name (letters, digits, '-' and
// '_' in dot-separated labels). A redirect's host goes into the consent
// page's Content-Security-Policy (redirectSource): anything else (';',
// ',', quotes, '*') would be read there as more than a host.
func hostName(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || !onlyFrom(label, "-_") {
			return false
		}
	}
	return true
}
