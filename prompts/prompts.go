// Package prompts holds the MCP prompts for the common MyAPIHQ workflows.
// Like the tools, they are values in one table.
package prompts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/myapihq/myapihq-mcp/icons"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Prompt is one prompt, as data.
type Prompt struct {
	Name, Title, Description string
	Args                     []mcp.PromptArgument
	// Tools are the tools the prompt walks the model through: a server
	// that does not offer them all does not offer the prompt.
	Tools []string
	// Toolset is the toolset whose icon the prompt carries.
	Toolset string
	// Text renders the user message from checked arguments.
	Text func(args map[string]string) string
}

// All is the prompt inventory.
func All() []Prompt {
	return []Prompt{
		{
			Name: "onboard", Title: "Onboard this agent",
			Description: "First session: check credentials, create the agent account, an organization, and a payment method.",
			Tools:       []string{"whoami", "create_agent", "list_orgs", "create_org", "get_balance", "setup_payment"},
			Toolset:     "account",
			Text: func(map[string]string) string {
				return strings.Join([]string{
					"Set this agent up on MyAPIHQ, step by step, and tell me what you did:",
					"1. Call whoami. If the profile already has an account, skip to step 3.",
					"2. Call create_agent. The server stores the PIN and API key; never ask me for them.",
					"3. Call list_orgs; if there is none, ask me for a business name and call create_org.",
					"4. Call get_balance; if there is no payment method, call setup_payment and give me the URL to open.",
				}, "\n")
			},
		},
		{
			Name: "brand_from_domain", Title: "Brand from a domain",
			Description: "Import a website's brand kit into a new organization: import, review, confirm.",
			Args:        []mcp.PromptArgument{{Name: "domain", Description: "the website, e.g. example.com", Required: true}},
			Tools:       []string{"import_brand", "confirm_import", "get_balance"},
			Toolset:     "imports",
			Text: func(a map[string]string) string {
				return fmt.Sprintf("Create an organization from the brand of %s:\n"+
					"1. Call import_brand with domain %q (it waits for the job).\n"+
					"2. Show me the extracted brand (name, colors, font, logo, description) and ask what to change.\n"+
					"3. Call confirm_import with my changes as overrides, then show me the new organization.\n"+
					"If the import fails for lack of funds, call get_balance and explain how to top up.", a["domain"], a["domain"])
			},
		},
		{
			Name: "billing_checkup", Title: "Billing checkup",
			Description: "Review the balance and recent billing, and advise whether to top up.",
			Tools:       []string{"get_balance", "get_billing_history"},
			Toolset:     "billing",
			Text: func(map[string]string) string {
				return "Check my MyAPIHQ billing: call get_balance and get_billing_history, summarise what was spent on what " +
					"recently, and advise whether to top up and by how much. Do not top up unless I say so."
			},
		},
	}
}

// For is the prompts a server offering the given tools can run (nil: every
// tool).
func For(offered map[string]bool) []Prompt {
	var out []Prompt
	for _, p := range All() {
		if offered == nil || !slices.ContainsFunc(p.Tools, func(t string) bool { return !offered[t] }) {
			out = append(out, p)
		}
	}
	return out
}

// check validates arguments: mcp-go does not enforce required ones.
func (p Prompt) check(args map[string]string) error {
	for _, a := range p.Args {
		v := strings.TrimSpace(args[a.Name])
		if a.Required && v == "" {
			return fmt.Errorf("prompt %s needs the argument %q", p.Name, a.Name)
		}
	}
	if d, ok := args["domain"]; ok {
		d = strings.ToLower(strings.TrimSpace(d))
		if !toolkit.ValidDomain(d) {
			return fmt.Errorf("domain %q is not a bare domain such as example.com", args["domain"])
		}
		args["domain"] = d
	}
	return nil
}

// Register adds the prompts to s.
func Register(s *server.MCPServer, all []Prompt) {
	for _, p := range all {
		opts := []mcp.PromptOption{mcp.WithPromptDescription(p.Description), mcp.WithPromptIcons(icons.Toolset(p.Toolset)...)}
		for _, a := range p.Args {
			argOpts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.Description)}
			if a.Required {
				argOpts = append(argOpts, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.Name, argOpts...))
		}
		mp := mcp.NewPrompt(p.Name, opts...)
		mp.Title = p.Title
		s.AddPrompt(mp, func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			args := map[string]string{}
			for k, v := range req.Params.Arguments {
				args[k] = v
			}
			if err := p.check(args); err != nil {
				return nil, err
			}
			return mcp.NewGetPromptResult(p.Description, []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(p.Text(args))),
			}), nil
		})
	}
}
