package sandbox

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

type fieldRule struct {
	kind string // string | url | bool | object | lang
	max  int    // bytes, for strings and encoded objects
}

// orgFields are the reference's Organization body fields and their checks.
var orgFields = map[string]fieldRule{
	"name":               {"string", 200},
	"description":        {"string", 2000},
	"business_sector":    {"string", 100},
	"logo_url":           {"url", 2048},
	"color_palette":      {"object", 16 << 10},
	"font_family":        {"string", 100},
	"privacy_policy_url": {"url", 2048},
	"cookie_policy_url":  {"url", 2048},
	"terms_url":          {"url", 2048},
	"gdpr_enabled":       {"bool", 0},
	"default_language":   {"lang", 35},
	"tracking":           {"object", 16 << 10},
	"privacy_policy_md":  {"string", 100_000},
	"terms_md":           {"string", 100_000},
	"cookie_policy_md":   {"string", 100_000},
}

var langTag = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`) })

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// orgInput checks a create or patch body field by field. null clears a field
// on patch (not name). Unknown fields are refused rather than dropped, so a
// misspelt field is an error the caller sees, not a silent no-op.
func orgInput(body []byte, partial bool) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 {
		raw = map[string]json.RawMessage{}
	} else if err := json.Unmarshal(body, &raw); err != nil {
		if raw == nil && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return nil, jsonError(err)
		}
		return nil, fail(400, "malformed_json", "the body must be a JSON object of organization fields")
	}
	out := map[string]any{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := raw[k]
		rule, ok := orgFields[k]
		if !ok {
			return nil, fail(400, "unknown_field", "unknown organization field %q", k)
		}
		if string(v) == "null" {
			if k == "name" || !partial {
				return nil, fail(400, "invalid_field", "%s cannot be null", k)
			}
			out[k] = nil
			continue
		}
		val, err := checkField(k, rule, v)
		if err != nil {
			return nil, err
		}
		out[k] = val
	}
	if !partial {
		name, _ := out["name"].(string)
		if strings.TrimSpace(name) == "" {
			return nil, fail(400, "missing_field", "name is required")
		}
	}
	if partial && len(out) == 0 {
		return nil, fail(400, "nothing_to_update", "send at least one organization field to change")
	}
	return out, nil
}

func checkField(k string, rule fieldRule, v json.RawMessage) (any, error) {
	switch rule.kind {
	case "bool":
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fail(400, "invalid_field", "%s must be a boolean", k)
		}
		return b, nil
	case "object":
		var m map[string]any
		if err := json.Unmarshal(v, &m); err != nil || m == nil {
			return nil, fail(400, "invalid_field", "%s must be an object", k)
		}
		if len(v) > rule.max {
			return nil, fail(400, "invalid_field", "%s must be at most %d bytes", k, rule.max)
		}
		return m, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fail(400, "invalid_field", "%s must be a string", k)
	}
	s = strings.TrimSpace(s)
	switch {
	case len(s) > rule.max:
		return nil, fail(400, "invalid_field", "%s must be at most %d characters", k, rule.max)
	case rule.kind == "url" && !httpURL(s):
		return nil, fail(400, "invalid_field", "%s must be an http(s) URL", k)
	case rule.kind == "lang" && !langTag().MatchString(s):
		return nil, fail(400, "invalid_field", "%s must be a language tag such as en or pt-BR", k)
	case k == "name" && s == "":
		return nil, fail(400, "invalid_field", "name cannot be empty")
	}
	return s, nil
}

type org struct {
	ID        string
	AccountID string
	Fields    map[string]any
	CreatedAt int64
	UpdatedAt int64
}

func (o *org) view() map[string]any {
	v := make(map[string]any, len(o.Fields)+3)
	for k, f := range o.Fields {
		v[k] = f
	}
	v["id"] = o.ID
	v["created_at"] = stamp(o.CreatedAt)
	v["updated_at"] = stamp(o.UpdatedAt)
	return v
}

func scanOrg(row interface{ Scan(...any) error }) (*org, error) {
	o := &org{}
	var data string
	if err := row.Scan(&o.ID, &o.AccountID, &data, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	return o, json.Unmarshal([]byte(data), &o.Fields)
}

// callerOrg loads {id} from the caller's workspace; another workspace's org
// is as absent as a missing one.
func (c *call) callerOrg() (*org, error) {
	id := c.r.PathValue("id")
	o, err := scanOrg(c.tx.QueryRow(`SELECT id, account_id, data, created_at, updated_at FROM orgs WHERE id = ? AND account_id = ?`, id, c.acct.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fail(404, "org_not_found", "no organization %s in this workspace: list_orgs shows the ids", id)
	}
	return o, err
}

func (c *call) insertOrg(fields map[string]any) (*org, error) {
	o := &org{ID: newID("org"), AccountID: c.acct.ID, Fields: fields, CreatedAt: ms(c.now), UpdatedAt: ms(c.now)}
	data, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	_, err = c.tx.Exec(`INSERT INTO orgs(id, account_id, data, created_at, updated_at) VALUES (?,?,?,?,?)`,
		o.ID, o.AccountID, string(data), o.CreatedAt, o.UpdatedAt)
	return o, err
}

// GET /hq/orgs
func listOrgs(c *call) (int, any, error) {
	if err := c.advanceImports(""); err != nil { // auto-accepted imports become orgs when due
		return 0, nil, err
	}
	rows, err := c.tx.Query(`SELECT id, account_id, data, created_at, updated_at FROM orgs WHERE account_id = ? ORDER BY created_at, rowid`, c.acct.ID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, o.view())
	}
	return http.StatusOK, out, rows.Err()
}

// POST /hq/orgs
func createOrg(c *call) (int, any, error) {
	fields, err := orgInput(c.body, false)
	if err != nil {
		return 0, nil, err
	}
	o, err := c.insertOrg(fields)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, o.view(), nil
}

// GET /hq/orgs/{id}
func getOrg(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o.view(), nil
}

// PATCH /hq/orgs/{id}: only the fields sent change; each webhook of the org
// gets an organization.updated event naming them.
func patchOrg(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	fields, err := orgInput(c.body, true)
	if err != nil {
		return 0, nil, err
	}
	changed := make([]string, 0, len(fields))
	for k, v := range fields {
		if v == nil {
			delete(o.Fields, k)
		} else {
			o.Fields[k] = v
		}
		changed = append(changed, k)
	}
	slices.Sort(changed)
	o.UpdatedAt = ms(c.now)
	data, err := json.Marshal(o.Fields)
	if err != nil {
		return 0, nil, err
	}
	if _, err := c.tx.Exec(`UPDATE orgs SET data = ?, updated_at = ? WHERE id = ?`, string(data), o.UpdatedAt, o.ID); err != nil {
		return 0, nil, err
	}
	if err := c.enqueueEvent(o, "organization.updated", map[string]any{"organization": o.view(), "changed_fields": changed}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o.view(), nil
}

// DELETE /hq/orgs/{id}: its webhooks (cascade), pending deliveries and imports go too.
func deleteOrg(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	for _, q := range []string{
		`DELETE FROM imports WHERE org_id = ?`,
		`UPDATE deliveries SET status = 'failed', last_error = 'organization deleted' WHERE org_id = ? AND status = 'pending'`,
		`DELETE FROM orgs WHERE id = ?`,
	} {
		if _, err := c.tx.Exec(q, o.ID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, map[string]any{"status": "deleted", "id": o.ID}, nil
}

// POST /hq/orgs/{id}/webhooks: the signing secret is shown here only.
func createWebhook(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		URL         string `json:"url"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	switch {
	case in.URL == "":
		return 0, nil, fail(400, "missing_field", "url is required")
	case !httpURL(in.URL) || len(in.URL) > 2048:
		return 0, nil, fail(400, "invalid_field", "url must be an http(s) URL")
	case len(in.Name) > 100:
		return 0, nil, fail(400, "invalid_field", "name must be at most 100 characters")
	case len(in.Description) > 500:
		return 0, nil, fail(400, "invalid_field", "description must be at most 500 characters")
	}
	if !c.s.opts.AllowPrivateWebhooks {
		if err := checkWebhookURL(in.URL); err != nil {
			return 0, nil, fail(400, "webhook_destination_refused", "%v", err)
		}
	}
	id, secret := newID("wh"), "whsec_"+randid.Base32(20)
	if _, err := c.tx.Exec(`INSERT INTO webhooks(id, org_id, url, name, description, secret, created_at) VALUES (?,?,?,?,?,?,?)`,
		id, o.ID, in.URL, in.Name, in.Description, secret, ms(c.now)); err != nil {
		return 0, nil, err
	}
	v := webhookView(id, o.ID, in.URL, in.Name, in.Description, ms(c.now))
	v["secret"] = secret
	v["message"] = "Webhook registered"
	return http.StatusCreated, v, nil
}

func webhookView(id, orgID, u, name, desc string, created int64) map[string]any {
	return map[string]any{"id": id, "org_id": orgID, "url": u, "name": name, "description": desc, "created_at": stamp(created)}
}

// GET /hq/orgs/{id}/webhooks
func listWebhooks(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	rows, err := c.tx.Query(`SELECT id, url, name, description, created_at FROM webhooks WHERE org_id = ? ORDER BY created_at, rowid`, o.ID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var id, u, name, desc string
		var created int64
		if err := rows.Scan(&id, &u, &name, &desc, &created); err != nil {
			return 0, nil, err
		}
		out = append(out, webhookView(id, o.ID, u, name, desc, created))
	}
	return http.StatusOK, out, rows.Err()
}

// DELETE /hq/orgs/{id}/webhooks/{webhook_id}
func deleteWebhook(c *call) (int, any, error) {
	o, err := c.callerOrg()
	if err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("webhook_id")
	res, err := c.tx.Exec(`DELETE FROM webhooks WHERE id = ? AND org_id = ?`, id, o.ID)
	if err != nil {
		return 0, nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil, fail(404, "webhook_not_found", "no webhook %s on organization %s", id, o.ID)
	}
	if _, err := c.tx.Exec(`UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted' WHERE webhook_id = ? AND status = 'pending'`, id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "deleted", "id": id}, nil
}
