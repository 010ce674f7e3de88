package tools

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/services"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// TestErrorTextsAreWhole: the service's message is not cut mid-word (it
// read "…or log in f…"), and the next step follows it whole.
func TestErrorTextsAreWhole(t *testing.T) {
	t.Parallel()
	msg := "no valid token and no agent PIN to mint one: create an agent account or log in first"
	got := (&Deps{}).explain("get_balance", &hqclient.Error{Code: hqclient.CodeNoToken, Message: msg})
	if !strings.Contains(got, msg) || !strings.HasSuffix(got, "call create_agent (or set MYAPI_API_KEY / MYAPI_PIN)") {
		t.Fatalf("%s", got)
	}
}

// TestNextStepsTable: one table for the hub and the services door, each
// row saying only what the server offers.
func TestNextStepsTable(t *testing.T) {
	t.Parallel()
	all := &Deps{}
	readOnly := &Deps{}
	readOnly.Offer(toolkit.Keep(Catalog(Config{}), toolkit.ReadOnly))
	remote := &Deps{ClientFor: func(context.Context) (*hqclient.Client, error) { return nil, nil }}
	for _, c := range []struct {
		d         *Deps
		err       error
		want, not string
	}{
		{all, &hqclient.Error{Code: hqclient.CodeNoAPIKey}, "call create_agent", ""},
		{readOnly, &hqclient.Error{Code: hqclient.CodeNoAPIKey}, "does not offer onboarding", "create_agent"},
		{all, &hqclient.Error{Status: 401, Code: "invalid_api_key"}, "call rotate_key", ""},
		{readOnly, &hqclient.Error{Status: 401, Code: "invalid_api_key"}, "myapihq-mcp auth rotate-key", "rotate_key"},
		{remote, &hqclient.Error{Status: 401, Code: "invalid_api_key"}, "your host sends", "rotate_key"},
		{all, &hqclient.Error{Status: 402}, "call top_up", ""},
		{readOnly, &hqclient.Error{Status: 402}, "the human must add funds", "top_up"},
		{all, &hqclient.Error{Status: 429, RetryAfter: 3e9}, "wait 3s", ""},
		{all, &hqclient.Error{Status: 503, Attempts: 3}, "tried 3 times", ""},
		{all, &services.NetworkError{Service: "mydomainapi.com", Attempts: 2}, "tried 2 times", ""},
		{all, &services.StatusError{Service: "mydomainapi.com", Status: 502, Attempts: 3}, "cannot be applied twice", ""},
	} {
		got := c.d.explain("a_tool", c.err)
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%v: %s", c.err, got)
		}
	}
	for _, c := range []struct {
		d         *Deps
		status    int
		want, not string
	}{
		{all, http.StatusUnauthorized, "create_key and store it", ""},
		{remote, http.StatusUnauthorized, "the API key your host sends", "create_agent"},
		{readOnly, http.StatusPaymentRequired, "the human must add funds", "top_up"},
		{all, http.StatusNotFound, "get_service_docs", ""},
		{all, http.StatusTeapot, "check the arguments", ""},
	} {
		res := c.d.serviceRefusal("service_get", &services.Answer{Service: "mydomainapi.com", Method: "GET", Path: "/v1/x", Status: c.status}, "")
		if got := mcp.GetTextFromContent(res.Content[0]); !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%d: %s", c.status, got)
		}
	}
}
