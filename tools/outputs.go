package tools

import "github.com/myapihq/myapihq-mcp/toolkit"

// Output schemas shared by several tools: what a structured result holds.
// They promise only what the summaries rely on (the service may add
// fields, and old answers may spell a few differently), so each stays open
// to more. A tool with its own shape writes toolkit.Object(...) in place;
// service_get and service_write declare none (a service that answers text,
// not JSON, gives an unstructured result).
var (
	outList    = toolkit.Object("items") // every list answer: {"items": [...]}
	outObject  = toolkit.Object()
	outOrg     = toolkit.Object("id", "name")
	outKey     = toolkit.Object("id")
	outWebhook = toolkit.Object("id")
	outBalance = toolkit.Object("balance_cents")
	outImport  = toolkit.Object("status")
	outAccount = toolkit.Object("account_id")
	outWhoami  = toolkit.Object("profile", "credentials")
)
