// Package services is the door from this server to the rest of the MyAPIHQ
// ecosystem: the catalog of its seven hosts, their llms.txt fetched and
// cached on disk, and calls made with the profile's API key added on the
// way out, so the model can use every service without ever holding the key.
// It has no MCP types: package tools puts a face on it.
package services

import "strings"

// Service is one host of the ecosystem, as the hub's reference
// (docs/api.md, "Ecosystem services") describes it.
type Service struct {
	Host    string // e.g. mydomainapi.com
	Purpose string
	Prereqs string // as the reference states them; "" when none
	// Hub: MyAPIHQ itself. Its docs come through this door, its calls do not:
	// its own tools cover its endpoints with their consent and masking.
	Hub bool
}

// Hub is the hub's host.
const Hub = "myapihq.com"

// Catalog is every host the door reaches, the hub first. Nothing else is
// reachable.
var Catalog = []Service{
	{Host: Hub, Hub: true, Purpose: "Identity and billing hub: accounts, API keys, organizations, webhooks, prepaid balance, brand imports."},
	{Host: "mydomainapi.com", Purpose: "Domains & DNS: search, purchase, and configure DNS.",
		Prereqs: "Required prerequisite for myfunnelapi.com and myemailapi.com."},
	{Host: "myemailapi.com", Purpose: "Transactional email: send emails and track delivery status.",
		Prereqs: "Requires a domain registered in your workspace (mydomainapi.com)."},
	{Host: "myfunnelapi.com", Purpose: "Funnels & websites: deploy landing pages programmatically.",
		Prereqs: "Requires a custom domain managed via mydomainapi.com."},
	{Host: "mystorageapi.com", Purpose: "Object storage: upload images, manage assets, serve them via CDN."},
	{Host: "mywebhookapi.com", Purpose: "Inbound webhooks: unique inbound URLs per organization, stored payloads, fan-out to workflows."},
	{Host: "myworkflowapi.com", Purpose: "Workflow automation: single-step workflows triggered from webhooks; sends emails, retries."},
}

// Hosts lists the catalog's hosts, in order.
func Hosts() []string {
	out := make([]string, len(Catalog))
	for i, s := range Catalog {
		out[i] = s.Host
	}
	return out
}

// Lookup finds a service by host (case-insensitive, a trailing dot or a
// "www."/"api." prefix forgiven: the model says what it read).
func Lookup(name string) (Service, bool) {
	n := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	n = strings.TrimPrefix(strings.TrimPrefix(n, "www."), "api.")
	for _, s := range Catalog {
		if s.Host == n {
			return s, true
		}
	}
	return Service{}, false
}
