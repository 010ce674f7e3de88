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
	if len(p) == 0 { // every schema here: written as json.Marshal would, without its reflection at each start
		b := []byte(`{`)
		if len(required) > 0 {
			b = append(appendJSON(append(b, `"required":`...), required), ',')
		}
		return append(b, `"type":"object"}`...)
	}
	s := map[string]any{"type": "object"}
	if len(p) > 0 {
		s["properties"] = p
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return schemaOf(s)
}

var (

	// outList is every list answer: {"items": [...]}.
	outList    = props([]string{"items"}, nil)
	outObject  = props(nil, nil)
	outOrg     = props([]string{"id", "name"}, nil)
	outKey     = props([]string{"id"}, nil)
	outWebhook = props([]string{"id"}, nil)
	outBalance = props([]string{"balance_cents"}, nil)
	outImport  = props([]string{"status"}, nil)
	outAccount = props([]string{"account_id"}, nil)
	outWhoami  = props([]string{"profile", "credentials"}, nil)
)

// outputs names each tool's schema.
var outputs = map[string]json.RawMessage{
	"create_agent": outAccount, "whoami": outWhoami, "logout": outObject, "login": outObject, "register_account": outObject,
	"link_agent": outObject, "accept_agent_link": outObject, "send_link_email": outObject, "list_linked_agents": outList,
	"get_agent_balance": outBalance, "get_agent_usage": outObject, "rotate_key": props([]string{"new_key_id"}, nil),
	"create_key": outKey, "list_keys": outList, "revoke_key": outObject,
	"list_orgs": outList, "create_org": outOrg, "get_org": outOrg, "update_org": outOrg, "delete_org": outObject,
	"create_webhook": outWebhook, "list_webhooks": outList, "delete_webhook": outObject,
	"get_balance": outBalance, "top_up": props([]string{"new_balance_cents"}, nil),
	"setup_payment": props([]string{"url"}, nil), "confirm_payment_setup": outObject,
	"get_billing_history": outList,
	"import_brand":        outImport, "get_import": outImport, "confirm_import": outOrg,
	"list_services": props([]string{"services"}, nil), "get_service_docs": props([]string{"service"}, nil),
	"write_env_file": props([]string{"path"}, nil),
	// service_get and service_write declare none: a service that answers
	// text, not JSON, gives an unstructured result.
}

// unstructured are the tools whose results may carry no structured content.
var unstructured = map[string]bool{"service_get": true, "service_write": true}
