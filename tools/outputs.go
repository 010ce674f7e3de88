package tools

import "encoding/json"

// Output schemas: what each tool's structured result holds. They promise
// only what the summaries rely on (the service may add fields, and old
// answers may spell a few differently), so each stays open to more.

func schemaOf(v map[string]any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // built from literals: cannot fail
	}
	return b
}

func props(required []string, p map[string]any) json.RawMessage {
	s := map[string]any{"type": "object", "properties": p}
	if len(required) > 0 {
		s["required"] = required
	}
	return schemaOf(s)
}

var (
	str, boolean, integer, object = map[string]any{"type": "string"}, map[string]any{"type": "boolean"},
		map[string]any{"type": "integer"}, map[string]any{"type": "object"}

	// outList is every list answer: {"items": [...]}.
	outList    = props([]string{"items"}, map[string]any{"items": map[string]any{"type": "array", "items": object}})
	outObject  = props(nil, map[string]any{})
	outOrg     = props([]string{"id", "name"}, map[string]any{"id": str, "name": str})
	outKey     = props([]string{"id"}, map[string]any{"id": str, "name": str, "api_key": str, "last4": str})
	outWebhook = props([]string{"id"}, map[string]any{"id": str, "url": str, "secret": str})
	outBalance = props([]string{"balance_cents", "balance_display"}, map[string]any{"balance_cents": integer,
		"balance_display": str, "has_payment_method": boolean, "budget": object})
	outImport = props([]string{"status"}, map[string]any{"id": str, "job_id": str, "domain": str, "status": str,
		"brand": map[string]any{"type": []string{"object", "null"}}})
	outAccount = props([]string{"profile"}, map[string]any{"account_id": str, "profile": str, "api_key": str,
		"already_onboarded": boolean})
	outWhoami = props([]string{"profile", "service", "credentials"}, map[string]any{"profile": str, "service": str,
		"account_id": str, "credentials": object, "env_overrides": map[string]any{"type": "array", "items": str}, "budget": object})
)

// outputs names each tool's schema.
var outputs = map[string]json.RawMessage{
	"create_agent": outAccount, "whoami": outWhoami, "logout": outObject, "login": outObject, "register_account": outObject,
	"link_agent": outObject, "accept_agent_link": outObject, "send_link_email": outObject, "list_linked_agents": outList,
	"get_agent_balance": outBalance, "get_agent_usage": outObject, "rotate_key": props([]string{"new_key_id"},
		map[string]any{"new_key_id": str, "revoked_key_id": str, "revoked": boolean}),
	"create_key": outKey, "list_keys": outList, "revoke_key": outObject,
	"list_orgs": outList, "create_org": outOrg, "get_org": outOrg, "update_org": outOrg, "delete_org": outObject,
	"create_webhook": outWebhook, "list_webhooks": outList, "delete_webhook": outObject,
	"get_balance": outBalance, "top_up": props([]string{"new_balance_cents"}, map[string]any{"new_balance_cents": integer,
		"new_balance_display": str}),
	"setup_payment": props([]string{"url"}, map[string]any{"url": str}), "confirm_payment_setup": outObject,
	"get_billing_history": outList,
	"import_brand":        outImport, "get_import": outImport, "confirm_import": outOrg,
}
