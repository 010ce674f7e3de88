package services

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// Options configure the door.
type Options struct {
	// Overrides maps a host to the base URL that stands in for it (staging,
	// tests, the sandbox): its docs come from URL/llms.txt, its calls go to
	// URL/<path>. See ParseOverrides.
	Overrides map[string]string
	// CacheDir holds the docs cache ("" = os.UserCacheDir()/myapihq-mcp/services).
	CacheDir string
	// MemoryCache keeps the docs cache in memory only, CacheDir unused: a
	// replica of the multi-tenant mode writes nothing (its root filesystem
	// is read-only on Kubernetes), and docs are public, so all tenants
	// share one copy per replica.
	MemoryCache bool
	// Transport sends the requests (default http.DefaultTransport); tests
	// pass one that trusts a local TLS stub. Redirects are the door's call.
	Transport http.RoundTripper
	// Secrets gives the profile's API key and every stored secret to mask.
	Secrets func(ctx context.Context) (Secrets, error)
	Now     func() time.Time // default time.Now
	Log     zerolog.Logger
	// UserAgent is sent on every request.
	UserAgent string
	// RetryBase is the first retry's delay (default 200ms, doubling).
	RetryBase time.Duration
	// Timeout bounds one attempt, answer included (default 30s).
	Timeout time.Duration
}

// Secrets are the caller's: the key the door adds, and everything it masks
// (the key itself always).
type Secrets struct {
	APIKey string
	Mask   []mask.Secret // PIN, token: any stored secret
}

// masker masks s's secrets, the key included.
func (s Secrets) masker() *mask.Masker {
	return mask.New(append([]mask.Secret{{Kind: mask.Key, Value: s.APIKey}}, s.Mask...)...)
}

// Door reaches the ecosystem's hosts and nothing else.
type Door struct {
	opts Options
	docs *docsCache
}

// New makes a door. It touches no network.
func New(o Options) (*Door, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 200 * time.Millisecond
	}
	if o.MemoryCache {
		o.CacheDir = ""
	} else if o.CacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			o.CacheDir = filepath.Join(dir, "myapihq-mcp", "services")
		}
	}
	for h, u := range o.Overrides {
		if _, err := checkOverride(h, u); err != nil {
			return nil, err
		}
	}
	d := &Door{opts: o}
	d.docs = &docsCache{dir: o.CacheDir, door: d}
	return d, nil
}

// ParseOverrides reads HOST=URL entries (the --service-url flag, repeated,
// or MYAPI_SERVICE_URLS, comma-separated). "*=URL" sends every service not
// named otherwise to URL/<host>: a standalone sandbox's stand-ins are
// "*=http://127.0.0.1:8081/_services".
func ParseOverrides(entries []string) (map[string]string, error) {
	out := map[string]string{}
	every := ""
	for _, e := range entries {
		for _, part := range strings.Split(e, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			h, u, ok := strings.Cut(part, "=")
			if !ok {
				return nil, fmt.Errorf("service URL %q: want HOST=URL, e.g. mydomainapi.com=https://staging.mydomainapi.com", part)
			}
			if strings.TrimSpace(h) == "*" {
				u = strings.TrimRight(strings.TrimSpace(u), "/")
				for _, host := range Hosts() { // each URL/<host> passes the same check
					if _, err := checkOverride(host, u+"/"+host); err != nil {
						return nil, fmt.Errorf("service URL for *: %w", err)
					}
				}
				every = u
				continue
			}
			host, err := checkOverride(h, u)
			if err != nil {
				return nil, err
			}
			out[host] = strings.TrimRight(u, "/")
		}
	}
	if every != "" {
		for _, h := range Hosts() {
			if _, set := out[h]; !set {
				out[h] = every + "/" + h
			}
		}
	}
	return out, nil
}

func checkOverride(h, raw string) (string, error) {
	s, ok := Lookup(h)
	if !ok {
		return "", fmt.Errorf("service URL for %q: not one of %s", h, strings.Join(Hosts(), ", "))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Not echoed whole: user info or a query may carry a credential.
		shown := "(unparseable)"
		if err == nil {
			shown = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
		}
		return "", fmt.Errorf("service URL for %s: %q (user info, query and fragment not shown) is not a plain http(s)://host[:port][/path] URL", s.Host, shown)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback.Host(u.Hostname()):
	default:
		return "", fmt.Errorf("service URL for %s: %q must be https (plain http only on a loopback address)", s.Host, u.String())
	}
	return s.Host, nil
}

// DocsURL is where the service's llms.txt is read.
func (d *Door) DocsURL(host string) string {
	if o, ok := d.opts.Overrides[host]; ok {
		return o + "/llms.txt"
	}
	return "https://" + host + "/llms.txt"
}

// defaultBase is the API base when the docs name none.
func (d *Door) defaultBase(host string) string {
	if o, ok := d.opts.Overrides[host]; ok {
		return o
	}
	return "https://api." + host
}

// APIBase is where calls go: the docs' Base URL when it is on the docs' own
// domain over the same scheme, else the default. It reads the cache only.
func (d *Door) APIBase(host string) string {
	if doc, ok := d.docs.cached(host, d.DocsURL(host)); ok && doc.BaseURL != "" {
		return doc.BaseURL
	}
	return d.defaultBase(host)
}

// baseFromDocs accepts a stated Base URL only on the domain the docs came
// from (the service's host or a subdomain; an override's own hostname),
// with no user info, over https (or the override's own http on loopback).
func (d *Door) baseFromDocs(host, stated string) string {
	u, err := url.Parse(strings.TrimSpace(stated))
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" || strings.Contains(u.Path, "..") {
		return ""
	}
	name := strings.ToLower(u.Hostname())
	if o, ok := d.opts.Overrides[host]; ok {
		// the override's own listener: another port on loopback may be
		// another local user's
		ou, _ := url.Parse(o)
		if !strings.EqualFold(u.Host, ou.Host) || u.Scheme != ou.Scheme {
			return ""
		}
	} else if u.Scheme != "https" || (name != host && !strings.HasSuffix(name, "."+host)) {
		return ""
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
}

// Entry is a service as list_services shows it.
type Entry struct {
	Service    string `json:"service"`
	Purpose    string `json:"purpose"`
	Requires   string `json:"requires,omitempty"`
	DocsURL    string `json:"docs_url"`
	APIBase    string `json:"api_base,omitempty"`
	DocsCached bool   `json:"docs_cached"`
	Note       string `json:"note,omitempty"`
}

// List describes every service, from the catalog and the cache: no network.
func (d *Door) List() []Entry {
	out := make([]Entry, 0, len(Catalog))
	for _, s := range Catalog {
		e := Entry{Service: s.Host, Purpose: s.Purpose, Requires: s.Prereqs, DocsURL: d.DocsURL(s.Host)}
		_, e.DocsCached = d.docs.cached(s.Host, e.DocsURL)
		if s.Hub {
			e.Note = "docs only here: the hub's own tools make its calls"
		} else {
			e.APIBase = d.APIBase(s.Host)
		}
		out = append(out, e)
	}
	return out
}
