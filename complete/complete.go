// Package complete answers completion/complete: values for the resource
// templates' variables (the caller's organization ids, the ecosystem's
// service hosts) and for prompt arguments (brand_from_domain's domain).
// The spec completes prompt and resource-template arguments only, not tool
// arguments. Every value offered is checked to be a plain id or domain: a
// completion is shown to the human and may be sent back by the model, so
// an organization's name or a hostile field never becomes one.
package complete

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/services"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Max is the most values one answer holds (the spec's limit is 100).
const Max = 20

// Org is what completion needs of an organization.
type Org struct {
	ID, Name string
	// Domains are the hosts its URL fields name (website, logo, policies).
	Domains []string
}

// Orgs lists the caller's organizations (the tools' ListOrgs, per request:
// each caller completes from their own).
type Orgs func(ctx context.Context) ([]Org, error)

// answer keeps the first Max values, saying how many there were.
func answer(values []string) *mcp.Completion {
	c := &mcp.Completion{Values: values, Total: len(values)}
	if len(values) > Max {
		c.Values, c.HasMore = values[:Max], true
	}
	if c.Values == nil {
		c.Values = []string{}
	}
	return c
}

// OrgIDs completes myapihq://orgs/{id}: ids that start with prefix, then
// ids of organizations whose name starts with it (case-insensitive), each
// once, in the service's order.
func OrgIDs(ctx context.Context, list Orgs, prefix string) (*mcp.Completion, error) {
	orgs, err := list(ctx)
	if err != nil {
		return nil, err
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	var byID, byName []string
	seen := map[string]bool{}
	for _, o := range orgs {
		if !toolkit.ValidID(o.ID) || seen[o.ID] {
			continue
		}
		switch {
		case strings.HasPrefix(strings.ToLower(o.ID), p):
			byID = append(byID, o.ID)
		case p != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(o.Name)), p):
			byName = append(byName, o.ID)
		default:
			continue
		}
		seen[o.ID] = true
	}
	return answer(append(byID, byName...)), nil
}

// ServiceHosts completes the services template's {service}: the
// ecosystem's hosts that start with prefix, forgiving "www." and "api.".
func ServiceHosts(prefix string) *mcp.Completion {
	p := strings.ToLower(strings.TrimSpace(prefix))
	p = strings.TrimPrefix(strings.TrimPrefix(p, "www."), "api.")
	var out []string
	for _, h := range services.Hosts() {
		if strings.HasPrefix(h, p) {
			out = append(out, h)
		}
	}
	return answer(out)
}

// Domains completes a domain argument (brand_from_domain): the domains the
// caller's organizations name, that start with prefix, sorted, each once.
func Domains(ctx context.Context, list Orgs, prefix string) (*mcp.Completion, error) {
	orgs, err := list(ctx)
	if err != nil {
		return nil, err
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	set := map[string]bool{}
	for _, o := range orgs {
		for _, d := range o.Domains {
			d = strings.TrimPrefix(strings.ToLower(d), "www.")
			if toolkit.ValidDomain(d) && strings.HasPrefix(d, p) {
				set[d] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return answer(out), nil
}

// FromJSON reads organizations as the service lists them (a bare list or
// {"items": [...]}), taking the hosts of every string member named like a
// URL or a website ("logo_url", "website", "domain" and the like).
func FromJSON(raw json.RawMessage) ([]Org, error) {
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		var wrapped struct {
			Items []map[string]any `json:"items"`
		}
		if err2 := json.Unmarshal(raw, &wrapped); err2 != nil {
			return nil, err
		}
		list = wrapped.Items
	}
	out := make([]Org, 0, len(list))
	for _, m := range list {
		o := Org{}
		o.ID, _ = m["id"].(string)
		o.Name, _ = m["name"].(string)
		for k, v := range m {
			s, isStr := v.(string)
			if !isStr || !(strings.HasSuffix(k, "_url") || k == "website" || k == "domain") {
				continue
			}
			if h := hostOf(s); h != "" {
				o.Domains = append(o.Domains, h)
			}
		}
		sort.Strings(o.Domains)
		out = append(out, o)
	}
	return out, nil
}

func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Provider answers mcp-go's completion requests with the functions above
// (server.WithResourceCompletionProvider, WithPromptCompletionProvider).
type Provider struct {
	Orgs Orgs
}

// Templates this provider completes, and the prompt argument.
const (
	OrgTemplate      = "myapihq://orgs/{id}"
	ServicesTemplate = "myapihq://services/{service}/llms.txt"
)

// CompleteResourceArgument implements server.ResourceCompletionProvider.
func (p Provider) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	switch {
	case uri == OrgTemplate && arg.Name == "id" && p.Orgs != nil:
		return OrgIDs(ctx, p.Orgs, arg.Value)
	case uri == ServicesTemplate && arg.Name == "service":
		return ServiceHosts(arg.Value), nil
	}
	return answer(nil), nil
}

// CompletePromptArgument implements server.PromptCompletionProvider.
func (p Provider) CompletePromptArgument(ctx context.Context, prompt string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if prompt == "brand_from_domain" && arg.Name == "domain" && p.Orgs != nil {
		return Domains(ctx, p.Orgs, arg.Value)
	}
	return answer(nil), nil
}
