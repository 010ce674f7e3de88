package hqclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is every failure the client reports: an HQ answer that is not a
// success, a network fault, or missing credentials. Callers branch on Status
// and Code; Message is what the service said, fit to show.
type Error struct {
	Status     int    // HTTP status; 0 when no answer came
	Code       string // machine code: the service's, or derived from Status
	Message    string
	RequestID  string
	Method     string
	Path       string
	Retryable  bool          // whether another try could succeed
	RetryAfter time.Duration // what the service asked for, if it did
	Attempts   int           // how many tries were made
	Err        error         // the underlying network or decode error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	b.WriteString(e.Message)
	if e.Code != "" && !strings.Contains(e.Message, e.Code) {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// OutcomeUnknown: another try could succeed, so a write that failed this
// way may have been applied (toolkit.Ambiguous).
func (e *Error) OutcomeUnknown() bool { return e.Retryable }

// Codes the client itself produces.
const (
	CodeNetwork      = "network_error"
	CodeNoAPIKey     = "no_api_key"
	CodeNoToken      = "no_token"
	CodeBodyTooLarge = "response_too_large"
	CodeBadResponse  = "bad_response"
)

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// retryableStatus is the default retry rule; X-Should-Retry overrides it.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}

func codeForStatus(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthorized"
	case 402:
		return "payment_required"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 408:
		return "request_timeout"
	case 409:
		return "conflict"
	case 413:
		return "payload_too_large"
	case 422:
		return "unprocessable"
	case 429:
		return "rate_limited"
	}
	if status >= 500 {
		return "server_error"
	}
	return "http_" + fmt.Sprint(status)
}

// parseErrorBody reads the shapes the service may use (docs/api.md, "Errors"):
// {success:false,error:"…"|{code,message}}, {error:"…"}, {error:{code,message}},
// {message:"…"}, plain text, or nothing.
func parseErrorBody(body []byte) (code, message, requestID string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		text := strings.TrimSpace(string(body))
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		return "", text, ""
	}
	str := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	if e, ok := obj["error"]; ok {
		if s := str(e); s != "" {
			message = s
		} else {
			var inner map[string]json.RawMessage
			if json.Unmarshal(e, &inner) == nil {
				code, message = str(inner["code"]), str(inner["message"])
				if message == "" {
					message = str(inner["detail"])
				}
				requestID = str(inner["request_id"])
			}
		}
	}
	if message == "" {
		message = str(obj["message"])
	} else if m := str(obj["message"]); m != "" && m != message && code == "" {
		// {error:"bad_request", message:"…"}: the short string is the code.
		if !strings.Contains(message, " ") {
			code, message = message, m
		}
	}
	if message == "" {
		message = str(obj["error_description"])
	}
	if code == "" {
		code = str(obj["code"])
	}
	if requestID == "" {
		requestID = str(obj["request_id"])
	}
	if requestID == "" {
		var meta map[string]json.RawMessage
		if json.Unmarshal(obj["meta"], &meta) == nil {
			requestID = str(meta["request_id"])
		}
	}
	return code, message, requestID
}

// newHTTPError turns a non-2xx answer into an *Error.
func newHTTPError(method, path string, resp *http.Response, body []byte, maxRetryAfter time.Duration, now time.Time) *Error {
	code, msg, rid := parseErrorBody(body)
	if msg == "" {
		msg = strings.ToLower(http.StatusText(resp.StatusCode))
		if msg == "" {
			msg = "HTTP error"
		}
	}
	if code == "" {
		code = codeForStatus(resp.StatusCode)
	}
	if h := resp.Header.Get("X-Request-Id"); h != "" {
		rid = h
	}
	e := &Error{Status: resp.StatusCode, Code: code, Message: msg, RequestID: rid, Method: method, Path: path,
		Retryable: retryableStatus(resp.StatusCode)}
	switch strings.ToLower(resp.Header.Get("X-Should-Retry")) {
	case "false":
		e.Retryable = false
	case "true":
		e.Retryable = true
	}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now, maxRetryAfter)
	return e
}

// parseRetryAfter reads seconds or an HTTP date, capped at max.
func parseRetryAfter(v string, now time.Time, max time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		d = 0
	}
	if d > max {
		d = max
	}
	return d
}
