package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

var errNeedsHuman = errors.New("this needs a human account's session: call login with the human's email and password first " +
	"(register_account if they have none)")

// ambiguous: the write may or may not have happened.
func ambiguous(err error) bool {
	e, isHQ := hqclient.AsError(err)
	return (isHQ && e.Retryable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// failure turns an error into what the model should see: HQ and
// credential problems are tool errors that say what to do next; anything
// else is a fault of ours (JSON-RPC error).
func failure(tool string, err error) (*mcp.CallToolResult, error) {
	if errors.Is(err, errNeedsHuman) || errors.Is(err, errNoIdentity) {
		return mcp.NewToolResultError(err.Error()), nil
	}
	if he, isHQ := hqclient.AsError(err); isHQ {
		return mcp.NewToolResultError(describe(tool, he)), nil
	}
	var se *credentials.SaveError
	var ue *credentials.UnavailableError
	var te *credentials.TimeoutError
	if errors.As(err, &se) || errors.As(err, &ue) || errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mcp.NewToolResultError(fmt.Sprintf("%s failed: %v", tool, err)), nil
	}
	return nil, err
}

// describe says what happened and what to do next. The service's message
// is quoted: it may echo what the model sent.
func describe(tool string, e *hqclient.Error) string {
	what := textsafe.Quote(e.Message)
	if e.Status != 0 {
		what = fmt.Sprintf("%d %s", e.Status, textsafe.Quote(e.Message))
	}
	next := ""
	switch {
	case e.Code == hqclient.CodeNoAPIKey || e.Code == hqclient.CodeNoToken:
		next = "no credentials for this profile: call create_agent (or set MYAPI_API_KEY / MYAPI_PIN)"
	case e.Code == "payment_method_required" || (e.Status == http.StatusPaymentRequired && tool == "top_up"):
		next = "no payment method: call setup_payment and have the human open the URL, then retry"
	case e.Status == http.StatusPaymentRequired:
		next = "balance too low: call top_up (it needs a payment method: setup_payment)"
	case e.Code == "invalid_api_key":
		next = "the API key was revoked or rotated: call whoami; if MYAPI_API_KEY is set in the environment it overrides the " +
			"store (the user must unset it and restart the server), otherwise call rotate_key"
	case e.Status == http.StatusUnauthorized:
		next = "credentials were refused: call whoami to see what is stored; create_agent or login to start over"
	case e.Code == "human_only":
		next = "call login with the human's email and password first"
	case e.Status == http.StatusNotFound:
		next = "check the id: the list_* tools show the valid ones"
	case e.Status == http.StatusTooManyRequests:
		next = fmt.Sprintf("rate limited: wait %s, then retry", max(e.RetryAfter, time.Second))
	case e.Status >= 500 || e.Code == hqclient.CodeNetwork:
		next = fmt.Sprintf("the service is unavailable (tried %d times): retry later with the same arguments; "+
			"it cannot be applied twice", max(e.Attempts, 1))
	}
	msg := fmt.Sprintf("%s failed: %s", tool, what)
	if next != "" {
		msg += ". Next: " + next
	}
	if e.RequestID != "" {
		msg += " [request " + textsafe.Quote(e.RequestID) + "]"
	}
	return msg
}

func asHQ(err error) *hqclient.Error {
	if e, isHQ := hqclient.AsError(err); isHQ {
		return e
	}
	return &hqclient.Error{Message: err.Error()}
}
