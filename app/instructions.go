package app

import (
	"slices"
	"strings"

	"github.com/myapihq/myapihq-mcp/tools"
)

// instructions tell the model, in a few lines, how the pieces fit: each
// line only where the server offers the tools it names, so a --read-only
// or --toolsets server never points at a tool it lacks.
func instructions(mode Mode, d *tools.Deps) string {
	offered := func(names ...string) bool {
		return !slices.ContainsFunc(names, func(n string) bool { return d.Offered != nil && !d.Offered[n] })
	}
	lines := []string{"MyAPIHQ is the identity and billing hub of the MyAPIHQ APIs."}
	if mode == MultiTenant {
		lines = append(lines, "This remote server acts for the account whose API key the host sends with each request (and its agent PIN, "+
			"for billing and keys): never ask the user for them or pass them as arguments.")
	} else {
		lines = append(lines, "This server keeps the profile's credentials (PIN, API key, token) in the OS keyring and sends them itself: "+
			"never ask the user for them or pass them as arguments.")
	}
	first := []string{}
	if offered("whoami") {
		first = append(first, "Call whoami first.")
	}
	if offered("create_agent") {
		first = append(first, "With no credentials, create_agent onboards in one call.")
	}
	if len(first) > 0 {
		lines = append(lines, strings.Join(first, " "))
	}
	var org []string
	if offered("create_org", "import_brand") {
		org = append(org, "Most services need an organization: create_org, or import_brand to build one from a website.")
	}
	if offered("get_balance", "setup_payment", "top_up") {
		org = append(org, "Money: get_balance; setup_payment (a URL for the human) before top_up.")
	}
	if len(org) > 0 {
		lines = append(lines, strings.Join(org, " "))
	}
	if offered("login", "link_agent", "list_linked_agents", "get_agent_balance", "get_agent_usage") {
		lines = append(lines, "Human-only tools (link_agent, list_linked_agents, get_agent_balance/usage) need login first.")
	}
	if offered("list_services", "get_service_docs", "service_get", "service_write") {
		lines = append(lines, "Other MyAPIHQ services (domains, email, funnels, storage, webhooks, workflows): list_services, "+
			"get_service_docs, then service_get/service_write; the server adds the API key.")
	}
	return strings.Join(lines, "\n")
}
