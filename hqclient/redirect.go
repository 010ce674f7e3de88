package hqclient

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// CodeRedirect is the code of an answer that tried to send the client
// elsewhere (docs/api.md, "Redirects").
const CodeRedirect = "redirect_refused"

// noRedirects stops net/http at the first 3xx. The client never follows
// one: a redirected DELETE keeps its method, and net/http keeps
// Authorization and Idempotency-Key on a same-host redirect, so a path that
// a redirect rewrites (…/webhooks/.. to the org itself) would act on another
// resource with the caller's credential. The HQ API has no redirects.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectError reports a 3xx with its Location, sanitised: resolved against
// the request, without user info, query or fragment (they can carry
// secrets), escaped and capped so hostile text cannot ride along.
func redirectError(method, path string, resp *http.Response) *Error {
	where := "no Location"
	if loc := resp.Header.Get("Location"); loc != "" {
		where = "Location " + sanitiseURL(resp.Request.URL, loc)
	}
	return &Error{Status: resp.StatusCode, Code: CodeRedirect, Method: method, Path: path,
		RequestID: resp.Header.Get("X-Request-Id"),
		Message: fmt.Sprintf("the service answered a redirect (%s), which this client never follows; "+
			"if the service has moved, set the base URL to its new address", where)}
}

func sanitiseURL(base *url.URL, ref string) string {
	u, err := url.Parse(ref)
	if err != nil {
		return "(not a valid URL)"
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	out := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
	return textsafe.QuoteN(out, 200)
}
