// Package tools is the MCP surface of MyAPIHQ: one tool per user action,
// declared as values in one table (All) that the server, the tests, the
// docs and the filters all read, one file per toolset. Handlers call
// hqclient; secrets come from credentials; what every call goes through
// around its handler (validation, consent, budget, masking) is the
// pipeline of package toolkit, assembled in pipeline.go.
package tools

import (
	"encoding/json"
	"slices"

	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Toolsets, in display order.
const (
	Account  toolkit.Toolset = "account"
	Keys     toolkit.Toolset = "keys"
	Orgs     toolkit.Toolset = "orgs"
	Billing  toolkit.Toolset = "billing"
	Imports  toolkit.Toolset = "imports"
	Services toolkit.Toolset = "services" // the rest of the ecosystem, through the services door
)

// ToolsListBudget is the most the whole tools/list may cost the model, in
// tokens (compact bytes / 4): it is in every prompt.
const ToolsListBudget = 5000

// AllToolsets are the toolsets in display order.
var AllToolsets = []toolkit.Toolset{Account, Keys, Orgs, Billing, Imports, Services}

// All is the tool inventory: the one table the server registers, the docs
// print and the tests snapshot. Handlers act through d; listing the tools
// needs only d.Config.
func All(d *Deps) []toolkit.Tool {
	return slices.Concat(accountTools(d), keyTools(d), orgTools(d), billingTools(d), importTools(d), servicesTools(d),
		[]toolkit.Tool{envFileTool(d)})
}

// Catalog is the inventory as a configuration shows it, for listing and
// docs (its handlers have nothing to act with).
func Catalog(cfg Config) []toolkit.Tool { return All(&Deps{Config: cfg}) }

// Snapshot is t as tools/list shows it, as committed in
// testdata/toolsnaps: a change to what the model sees is a reviewed diff
// (go generate ./... rewrites them).
func Snapshot(t toolkit.Tool) ([]byte, error) {
	b, err := json.MarshalIndent(t.MCP(), "", "  ")
	return append(b, '\n'), err
}
