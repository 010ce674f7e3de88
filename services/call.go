package services

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// MaxAnswer is the most of an answer passed on.
const MaxAnswer = 1 << 20

// Request is one call through the door.
type Request struct {
	Service string
	Method  string // GET, POST, PUT, PATCH, DELETE
	Path    string
	Query   map[string]any
	Body    any    // encoded as JSON; nil for none
	IdemKey string // writes: one per logical call, reused by its retries
}

// Answer is what the service said, masked.
type Answer struct {
	Service, Method, Path string
	Status                int
	JSON                  any    // the decoded JSON answer, when it was JSON
	Text                  string // otherwise
	Cut                   bool   // Text stops at MaxAnswer
	Attempts              int
	// Replayed: the service answered a write from its idempotency record
	// (Idempotent-Replayed: true), as the hub does: done before, not again.
	Replayed bool
}

// NetworkError: no answer came (after retries). A write may still have
// been applied.
type NetworkError struct {
	Service  string
	Attempts int
	Err      error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s did not answer after %d attempt(s): %v", e.Service, e.Attempts, e.Err)
}
func (e *NetworkError) Unwrap() error { return e.Err }

// OutcomeUnknown: the request may have been applied (toolkit.Ambiguous).
func (e *NetworkError) OutcomeUnknown() bool { return true }

// StatusError is a write that a service answered with a 5xx after its
// retries: the service may have applied it before failing.
type StatusError struct {
	Service, Method, Path string
	Status, Attempts      int
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s answered %d", e.Service, e.Status) }

// OutcomeUnknown: the write may have been applied (toolkit.Ambiguous).
func (e *StatusError) OutcomeUnknown() bool { return true }

var writeMethods = map[string]bool{http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

// Call checks the request against the rules, adds the profile's key and
// sends it; 502/503/504 and network faults are retried with the same
// Idempotency-Key.
func (d *Door) Call(ctx context.Context, r Request) (*Answer, error) {
	s, ok := Lookup(r.Service)
	if !ok {
		return nil, unknown(r.Service)
	}
	if s.Hub {
		return nil, refuse("myapihq.com is docs-only through this door: use the hub's own tools " +
			"(whoami, list_orgs, create_org, list_keys, get_balance, get_billing_history, …) for its endpoints")
	}
	write := writeMethods[r.Method]
	if r.Method != http.MethodGet && !write {
		return nil, refuse("method %s: use GET, POST, PUT, PATCH or DELETE", textsafe.QuoteN(r.Method, 60))
	}
	if err := CheckPath(r.Path); err != nil {
		return nil, err
	}
	q, err := Query(r.Query)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.Body != nil {
		if !write {
			return nil, refuse("a GET has no body: pass parameters in query")
		}
		if body, err = json.Marshal(r.Body); err != nil {
			return nil, refuse("body is not JSON: %v", err)
		}
	}
	sec, err := d.opts.Secrets(ctx)
	if err != nil {
		return nil, err
	}
	if sec.APIKey == "" {
		return nil, refuse("no API key for this profile: call create_agent (or create_key) first")
	}
	if _, err := d.Docs(ctx, s.Host); err != nil { // the Base URL may be in them
		d.opts.Log.Debug().Err(err).Str("service", s.Host).Msg("docs unavailable: default API base")
	}
	target := d.APIBase(s.Host) + r.Path
	if q != "" {
		target += "?" + q
	}
	a := &Answer{Service: s.Host, Method: r.Method, Path: r.Path}
	var resp *http.Response
	for {
		a.Attempts++
		req, err := http.NewRequestWithContext(ctx, r.Method, target, bytes.NewReader(body))
		if err != nil {
			return nil, refuse("cannot build the request: %v", err)
		}
		if body == nil {
			req.Body, req.ContentLength = http.NoBody, 0
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+sec.APIKey)
		if write && r.IdemKey != "" {
			req.Header.Set("Idempotency-Key", r.IdemKey)
		}
		resp, err = d.send(req, s.Host, write)
		var rule *RuleError
		switch {
		case errors.As(err, &rule):
			// a refused redirect names where it pointed, which the service
			// wrote: the key echoed into a Location's host must not come back
			return nil, &RuleError{sec.masker().Text(rule.Msg)}
		case err == nil && !retryable(resp.StatusCode):
		case a.Attempts < 3 && ctx.Err() == nil:
			if resp != nil {
				io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck
				resp.Body.Close()
			}
			if wait(ctx, d.opts.RetryBase<<(a.Attempts-1)) == nil {
				continue
			}
			return nil, &NetworkError{s.Host, a.Attempts, ctx.Err()}
		case err != nil:
			return nil, &NetworkError{s.Host, a.Attempts, maskedError{err, sec.masker()}}
		}
		break
	}
	defer resp.Body.Close()
	a.Status, a.Replayed = resp.StatusCode, write && resp.Header.Get("Idempotent-Replayed") == "true"
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, &NetworkError{s.Host, a.Attempts, err}
	}
	if len(b) > MaxAnswer {
		b, a.Cut = b[:MaxAnswer], true
	}
	m := sec.masker()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var v any
	if !a.Cut && (mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Unmarshal(b, &v) == nil {
		a.JSON = m.Value(v)
		return a, nil
	}
	a.Text = m.Text(strings.ToValidUTF8(string(b), "\uFFFD"))
	return a, nil
}

// MaskText hides the profile's secrets and key- or JWT-shaped strings in
// text that came from a service (its docs).
func (d *Door) MaskText(ctx context.Context, text string) string {
	sec, err := d.opts.Secrets(ctx)
	if err != nil {
		sec = Secrets{}
	}
	return sec.masker().Text(text)
}

// maskedError: a network error can quote what the service sent (a
// malformed status line, say); its text is masked like an answer.
type maskedError struct {
	err error
	m   *mask.Masker
}

func (e maskedError) Error() string { return e.m.Text(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

func retryable(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// send is the one way out: it refuses a redirect to another host (and any
// redirect for a write, or from https to http), and logs every request
// without its query or body.
func (d *Door) send(req *http.Request, host string, write bool) (*http.Response, error) {
	first := req.URL
	client := &http.Client{Transport: d.opts.Transport, Timeout: d.opts.Timeout, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		if write || next.URL.Scheme != first.Scheme || !strings.EqualFold(next.URL.Host, first.Host) || len(via) >= 3 {
			return errRedirect
		}
		return nil
	}}
	if d.opts.UserAgent != "" {
		req.Header.Set("User-Agent", d.opts.UserAgent)
	}
	start := time.Now()
	resp, err := client.Do(req)
	ev := d.opts.Log.Info().Str("service", host).Str("method", req.Method).Str("path", req.URL.Path).
		Dur("duration", time.Since(start))
	if errors.Is(err, errRedirect) {
		loc := ""
		if resp != nil {
			loc = resp.Header.Get("Location")
			ev = ev.Int("status", resp.StatusCode)
		}
		ev.Msg("service redirect refused")
		to := "another place"
		if u, perr := url.Parse(loc); perr == nil && u.Host != "" {
			to = u.Scheme + "://" + u.Host
		}
		if write {
			return nil, refuse("%s answered a %s with a redirect (to %s): writes never follow redirects; "+
				"read the docs (get_service_docs) for the right path", host, req.Method, textsafe.Line(to, 60))
		}
		return nil, refuse("%s redirected to %s: only redirects on the same host are followed", host, textsafe.Line(to, 60))
	}
	if err != nil {
		ev.Str("error", errorClass(err)).Msg("service request failed")
		return nil, err
	}
	ev.Int("status", resp.StatusCode).Msg("service request")
	return resp, nil
}

// errorClass names a network failure without its URL (which holds the query).
func errorClass(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
