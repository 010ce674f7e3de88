package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/services"
)

// Errors the model can act on are results that say what happened and
// what to do next; anything else is a fault of ours (a JSON-RPC error).
// What to do next comes from one table, for the hub's answers and the
// other services' alike, and names only tools this server offers: a
// --read-only server never says "call create_agent".

var errNeedsHuman = errors.New("this needs a human account's session: call login with the human's email and password first " +
	"(register_account if they have none)")

// maxQuotedMessage caps a service's message in an error text: longer than
// a summary's quotes, so a sentence is not cut before its end.
const maxQuotedMessage = 300

// failure is the errors step's describe: HQ, services door and credential
// problems become results that say what to do next.
func (d *Deps) failure(_ context.Context, tool string, err error) (*mcp.CallToolResult, error) {
	if errors.Is(err, errNeedsHuman) {
		return mcp.NewToolResultError(d.say(say(err.Error(), "login", "register_account"),
			say("this needs a human account's session, and this server does not offer logging in (--read-only or --toolsets)"))), nil
	}
	if errors.Is(err, errNoIdentity) {
		return mcp.NewToolResultError(err.Error()), nil
	}
	var ne *services.NetworkError
	var st *services.StatusError
	if _, isHQ := hqclient.AsError(err); isHQ || errors.As(err, &ne) || errors.As(err, &st) {
		return mcp.NewToolResultError(d.explain(tool, err)), nil
	}
	var bc *hqclient.BadCheckoutURLError
	if errors.As(err, &bc) {
		return mcp.NewToolResultError(fmt.Sprintf("%s failed: %v. Do not send the human to any checkout link from this answer; "+
			"tell them to add a card from the MyAPIHQ dashboard instead.", tool, err)), nil
	}
	var se *credentials.SaveError
	var ue *credentials.UnavailableError
	var te *credentials.TimeoutError
	if errors.As(err, &se) || errors.As(err, &ue) || errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mcp.NewToolResultError(fmt.Sprintf("%s failed: %v", tool, err)), nil
	}
	return nil, err
}

// Explain says what went wrong with tool and what to do next, for a
// server that offers every tool (the command line's own messages).
func Explain(tool string, err error) string { return (&Deps{}).explain(tool, err) }

// explain says what happened and what to do next. The service's message is
// quoted: it may echo what the model sent.
func (d *Deps) explain(tool string, err error) string {
	f := faultOf(tool, err)
	what := textsafe.QuoteN(f.message, maxQuotedMessage)
	if f.status != 0 {
		what = fmt.Sprintf("%d %s", f.status, what)
	}
	msg := fmt.Sprintf("%s failed: %s", tool, what)
	if next := d.nextStep(f); next != "" {
		msg += ". Next: " + next
	}
	if f.requestID != "" {
		msg += " [request " + textsafe.Quote(f.requestID) + "]"
	}
	return msg
}

// fault is what a failure is made of, wherever it came from: the hub
// (service ""), or another service through the door.
type fault struct {
	tool, service, code, message, requestID string
	status, attempts                        int
	network                                 bool
	retryAfter                              time.Duration
}

func faultOf(tool string, err error) fault {
	var ne *services.NetworkError
	var st *services.StatusError
	switch e, isHQ := hqclient.AsError(err); {
	case isHQ:
		return fault{tool: tool, code: e.Code, message: e.Message, requestID: e.RequestID, status: e.Status, attempts: e.Attempts,
			network: e.Code == hqclient.CodeNetwork, retryAfter: e.RetryAfter}
	case errors.As(err, &ne):
		return fault{tool: tool, service: ne.Service, message: ne.Error(), attempts: ne.Attempts, network: true}
	case errors.As(err, &st):
		return fault{tool: tool, service: st.Service, message: st.Error(), status: st.Status, attempts: st.Attempts}
	}
	return fault{tool: tool, message: err.Error()}
}

// way is one way to say a next step, and the tools it names: it is said
// only where the server offers them all.
type way struct {
	text  string
	tools []string
}

func say(text string, tools ...string) way { return way{text, tools} }

// nextSteps is the one table of what to do after a failure: the first row
// that matches says its first way whose tools are all offered.
var nextSteps = []struct {
	when func(f fault, remote bool) bool
	ways func(f fault) []way
}{
	// The hub.
	{func(f fault, _ bool) bool {
		return f.service == "" && (f.code == hqclient.CodeNoAPIKey || f.code == hqclient.CodeNoToken)
	}, func(fault) []way {
		return []way{say("no credentials for this profile: call create_agent (or set MYAPI_API_KEY / MYAPI_PIN)", "create_agent"),
			say("no credentials for this profile, and this server does not offer onboarding: the user must onboard with a server " +
				"that does (without --read-only or --toolsets), or set MYAPI_API_KEY and MYAPI_PIN where this server starts")}
	}},
	{func(f fault, _ bool) bool {
		return f.service == "" && (f.code == "payment_method_required" || (f.status == http.StatusPaymentRequired && f.tool == "top_up"))
	}, func(fault) []way {
		return []way{say("no payment method: call setup_payment and have the human open the URL, then retry", "setup_payment"),
			say("no payment method: the human must save a card first (in the MyAPIHQ dashboard)")}
	}},
	{func(f fault, remote bool) bool {
		return remote && (f.code == "invalid_api_key" || f.status == http.StatusUnauthorized)
	}, func(f fault) []way {
		what := "the API key your host sends was refused (revoked, or of another service"
		if f.service == "" {
			what = "the API key or PIN your host sends was refused (revoked, rotated or mistyped"
		}
		return []way{say(what+"): the user must configure their MCP host with a current key (list_keys shows the account's keys; "+
			"create_key makes one)", "list_keys", "create_key"),
			say(what + "): the user must configure their MCP host with a current key")}
	}},
	{func(f fault, _ bool) bool { return f.service == "" && f.code == "invalid_api_key" }, func(fault) []way {
		const env = "if MYAPI_API_KEY is set in the environment it overrides the store (the user must unset it and restart the server)"
		return []way{say("the API key was revoked or rotated: call whoami; "+env+", otherwise call rotate_key", "whoami", "rotate_key"),
			say("the API key was revoked or rotated: " + env + ", otherwise the user must rotate it (myapihq-mcp auth rotate-key)")}
	}},
	{func(f fault, _ bool) bool { return f.service == "" && f.status == http.StatusUnauthorized }, func(fault) []way {
		return []way{say("credentials were refused: call whoami to see what is stored; create_agent or login to start over",
			"whoami", "create_agent", "login"),
			say("credentials were refused: call whoami to see what is stored", "whoami"),
			say("credentials were refused: the user can see what is stored with myapihq-mcp auth status")}
	}},
	{func(f fault, _ bool) bool { return f.service == "" && f.code == "human_only" }, func(fault) []way {
		return []way{say("call login with the human's email and password first", "login"),
			say("this needs a human's login, which this server does not offer")}
	}},
	{func(f fault, _ bool) bool { return f.service == "" && f.status == http.StatusPaymentRequired }, func(fault) []way {
		return []way{say("balance too low: call top_up (it needs a payment method: setup_payment)", "top_up", "setup_payment"),
			say("balance too low: the human must add funds")}
	}},
	{func(f fault, _ bool) bool { return f.service == "" && f.status == http.StatusNotFound }, func(fault) []way {
		return []way{say("check the id: the list_* tools show the valid ones")}
	}},

	// Every service.
	{func(f fault, _ bool) bool { return f.status == http.StatusPaymentRequired }, func(fault) []way {
		return []way{say("the balance is too low: get_balance, then top_up (setup_payment first if no card is saved)",
			"get_balance", "top_up", "setup_payment"),
			say("the balance is too low: the human must add funds")}
	}},
	{func(f fault, _ bool) bool { return f.status == http.StatusTooManyRequests }, func(f fault) []way {
		if f.service != "" {
			return []way{say("rate limited: wait, then retry")}
		}
		return []way{say(fmt.Sprintf("rate limited: wait %s, then retry", max(f.retryAfter, time.Second)))}
	}},
	{func(f fault, _ bool) bool { return f.status >= 500 || f.network }, func(f fault) []way {
		if f.service != "" && !f.network && f.tool == "service_get" {
			return []way{say("the service failed: retry later")}
		}
		return []way{say(fmt.Sprintf("the service is unavailable (tried %d times): retry later with the same arguments; "+
			"it cannot be applied twice", max(f.attempts, 1)))}
	}},

	// The other services, through the door.
	{func(f fault, _ bool) bool { return f.service != "" && f.status == http.StatusUnauthorized }, func(fault) []way {
		const what = "the API key was revoked or belongs to another service"
		return []way{say(what+": check with list_keys, or create_key and store it (create_agent)", "list_keys", "create_key", "create_agent"),
			say(what+": check with list_keys", "list_keys"), say(what)}
	}},
	{func(f fault, _ bool) bool { return f.service != "" && f.status == http.StatusForbidden }, func(fault) []way {
		return []way{say("the key may not do this: check the org_id (list_orgs) and the service's prerequisites (list_services)",
			"list_orgs", "list_services"),
			say("the key may not do this: check the org_id and the service's prerequisites")}
	}},
	{func(f fault, _ bool) bool { return f.service != "" && f.status == http.StatusNotFound }, func(fault) []way {
		return []way{say("the path is not one of the service's endpoints: read its docs (get_service_docs)", "get_service_docs"),
			say("the path is not one of the service's endpoints")}
	}},
	{func(f fault, _ bool) bool { return f.service != "" }, func(fault) []way {
		return []way{say("check the arguments against the service's docs (get_service_docs)", "get_service_docs"),
			say("check the arguments against the service's docs")}
	}},
}

// say is the first of ways whose tools this server offers all ("" if
// none): what a summary's next step says on a --read-only or --toolsets
// server.
func (d *Deps) say(ways ...way) string {
	for _, w := range ways {
		if !slices.ContainsFunc(w.tools, func(t string) bool { return !d.offers(t) }) {
			return w.text
		}
	}
	return ""
}

// nextStep is the table's advice for f, or "".
func (d *Deps) nextStep(f fault) string {
	remote := d.ClientFor != nil // each request brings its credentials: no tool here can store others
	for _, row := range nextSteps {
		if !row.when(f, remote) {
			continue
		}
		return d.say(row.ways(f)...)
	}
	return ""
}

// serviceRefusal is a service's answer of 400 or more, as the model reads
// it: the verdict, what to do next, and what the service said, quoted.
func (d *Deps) serviceRefusal(tool string, ans *services.Answer, detail string) *mcp.CallToolResult {
	what := fmt.Sprintf("%s %s%s: %d %s", ans.Method, ans.Service, ans.Path, ans.Status, http.StatusText(ans.Status))
	msg := fmt.Sprintf("%s failed: %s. Next: %s", tool, what, d.nextStep(fault{tool: tool, service: ans.Service, status: ans.Status}))
	if detail != "" {
		// quoted: its own lines cannot pass for this verdict or next step
		msg += "\nThe service said (quoted): " + textsafe.QuoteN(detail, 2000)
	}
	return mcp.NewToolResultError(msg)
}
