package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// The console's view of the state: plain strings and numbers, built by reading
// (never writing) the state, with every secret left out at the query: no
// password, PIN or key hash, no webhook secret (only the signature derived
// from it), no JWT (none is stored), and keys shown by their last 4 only.

type consoleView struct {
	Now          string
	Focus        string // an account id, or "" for all
	Accounts     []acctView
	More         int       // accounts not shown
	Requests     []reqView // the newest consoleRequests
	RequestCount int       // how many the log holds
	RequestCap   int
	Faults       string
	ImportDelay  string
	StateSummary string
	// Audit is the MCP server's trail, newest first; AuditOn says the
	// server gave one (an embedded sandbox), AuditError why it could not.
	Audit      []auditView
	AuditOn    bool
	AuditError string
}

type auditView struct {
	At, Profile, Tool, Amount, Outcome, Consent, Args string
}

// consoleAudit is how many audit entries the page shows.
const consoleAudit = 50

type acctView struct {
	ID, Kind, Label, Email, Created string
	Verified, HasCard               bool
	Balance                         string
	LinkedTo                        []string // the human of an agent, or the agents of a human
	Keys                            []keyRow
	Orgs                            []orgRow
	Chart                           chart
	Billing                         []billRow
	Imports                         []importRow
	Deliveries                      []deliveryRow
	Mail                            []mailRow
	Nothing                         string // the empty sections, named on one line
}

type keyRow struct{ ID, Name, Masked, Scopes, Created, Revoked string }

type kv struct{ K, V string }

type orgRow struct {
	ID, Name, Created, Updated string
	Fields                     []kv
	Palette                    []string
	Webhooks                   []hookRow
}

type hookRow struct{ ID, URL, Name, Description, Created string }

type billRow struct {
	ID, Type, Amount, After, Description, Ref, At string
	Negative                                      bool
}

type importRow struct {
	ID, Domain, Status, Cost, OrgID, Error, Created string
	Timeline                                        []step
	Brand                                           []kv
	Palette                                         []string
}

type step struct {
	Name, At string
	Done     bool
}

type deliveryRow struct {
	ID, Event, URL, Status, LastError, Created, Delivered, Body string
	Attempts                                                    int
	LastStatus                                                  string
	Headers                                                     []kv
}

type mailRow struct {
	ID, To, Kind, Subject, Body, Link, Created string
	Used                                       bool
}

type reqView struct {
	At, Method, Path, Latency, RequestID, Cred, Fault, Service string
	Status                                                     int
	Class                                                      string // ok | redirect | client | server | dropped
}

// maxConsoleAccounts keeps the page small when a state file has grown:
// the newest ones are shown, the others are counted.
const maxConsoleAccounts = 25

// consoleRequests is how many of the logged requests the page shows, newest
// first; all of them are at consolePath+"/requests" as JSON.
const consoleRequests = 200

func (c *console) view(ctx context.Context, focus string) (*consoleView, error) {
	now := c.s.now()
	v := &consoleView{Now: clock(now), Focus: textsafe.Spell(focus), RequestCap: requestLogSize, ImportDelay: c.s.opts.ImportDelay.String(), Faults: "none"}
	if c.s.opts.Faults.Active() {
		v.Faults = c.s.opts.Faults.String()
	}
	db := c.s.st.db
	q := `SELECT ` + accountCols + ` FROM accounts`
	args := []any{}
	if focus != "" {
		q += ` WHERE id = ?`
		args = append(args, focus)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY created_at DESC, rowid DESC LIMIT ?`, append(args, maxConsoleAccounts+1)...)
	if err != nil {
		return nil, err
	}
	var accts []*account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		accts = append(accts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(accts) > maxConsoleAccounts {
		var total int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&total); err != nil {
			return nil, err
		}
		accts = accts[:maxConsoleAccounts]
		v.More = total - maxConsoleAccounts
	}
	for _, a := range accts {
		av, err := c.account(ctx, a, now)
		if err != nil {
			return nil, err
		}
		v.Accounts = append(v.Accounts, av)
	}
	c.audit(ctx, v)
	reqs, _ := c.log.latest()
	v.RequestCount = len(reqs)
	reqs = reqs[:min(len(reqs), consoleRequests)]
	v.Requests = make([]reqView, len(reqs))
	for i, e := range reqs {
		v.Requests[i] = reqRow(e)
	}
	return v, nil
}

// audit fills the server's trail in; a trail that cannot be read is said
// on the page, never an error of the page.
func (c *console) audit(ctx context.Context, v *consoleView) {
	if c.s.opts.Audit == nil {
		return
	}
	v.AuditOn = true
	rows, err := c.s.opts.Audit(ctx)
	if err != nil {
		v.AuditError = textsafe.Spell(textsafe.ClipBytes(err.Error(), 200))
		return
	}
	for i := len(rows) - 1; i >= 0 && len(v.Audit) < consoleAudit; i-- {
		r := rows[i]
		amount := ""
		if r.AmountCents != 0 {
			amount = money.Dollars(r.AmountCents)
		}
		v.Audit = append(v.Audit, auditView{At: r.Time.UTC().Format("Jan 02 15:04:05"), Profile: textsafe.Spell(textsafe.ClipBytes(r.Profile, 60)),
			Tool: textsafe.Spell(textsafe.ClipBytes(r.Tool, 60)), Amount: amount, Outcome: textsafe.Spell(textsafe.ClipBytes(r.Outcome, 20)),
			Consent: strings.ReplaceAll(textsafe.Spell(textsafe.ClipBytes(r.Consent, 40)), "_", " "), Args: textsafe.Spell(textsafe.ClipBytes(r.Args, 200))})
	}
}

func reqRow(e loggedRequest) reqView {
	r := reqView{At: clock(e.At), Method: textsafe.Spell(e.Method), Path: textsafe.Spell(e.Path), Status: e.Status, RequestID: e.RequestID,
		Cred: e.Cred, Fault: e.Fault, Service: textsafe.Spell(e.Service), Latency: latency(e.Latency)}
	switch {
	case e.Status == 0:
		r.Class = "dropped"
	case e.Status >= 500:
		r.Class = "server"
	case e.Status >= 400:
		r.Class = "client"
	case e.Status >= 300:
		r.Class = "redirect"
	default:
		r.Class = "ok"
	}
	return r
}

func latency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func (c *console) account(ctx context.Context, a *account, now time.Time) (acctView, error) {
	av := acctView{ID: a.ID, Kind: a.Kind, Label: textsafe.Spell(a.Label), Email: textsafe.Spell(a.Email.String), Created: when(a.CreatedAt),
		Verified: a.Verified, HasCard: a.PaymentMethod.Valid, Balance: money.Dollars(a.BalanceCents)}
	db := c.s.st.db
	steps := []func() error{
		func() error { // links, both ways
			return eachRow(ctx, db, `SELECT CASE WHEN agent_id = ?1 THEN human_id ELSE agent_id END FROM links WHERE agent_id = ?1 OR human_id = ?1 ORDER BY linked_at`,
				[]any{a.ID}, func(r *sql.Rows) error {
					var id string
					err := r.Scan(&id)
					av.LinkedTo = append(av.LinkedTo, id)
					return err
				})
		},
		func() error {
			return eachRow(ctx, db, `SELECT id, name, prefix, last4, scopes, created_at, revoked_at FROM api_keys WHERE account_id = ? ORDER BY created_at, rowid`,
				[]any{a.ID}, func(r *sql.Rows) error {
					var k keyRow
					var prefix, last4, scopes string
					var created int64
					var revoked sql.NullInt64
					if err := r.Scan(&k.ID, &k.Name, &prefix, &last4, &scopes, &created, &revoked); err != nil {
						return err
					}
					k.Name, k.Masked, k.Scopes, k.Created = textsafe.Spell(k.Name), "hq_live_…"+textsafe.Spell(last4), textsafe.Spell(scopes), when(created)
					if revoked.Valid {
						k.Revoked = when(revoked.Int64)
					}
					av.Keys = append(av.Keys, k)
					return nil
				})
		},
		func() error { return c.orgs(ctx, &av) },
		func() error { return c.billing(ctx, &av, a) },
		func() error { return c.imports(ctx, &av, now) },
		func() error { return c.deliveries(ctx, &av) },
		func() error {
			return eachRow(ctx, db, `SELECT o.id, o.to_addr, o.kind, o.subject, o.body, o.link, o.created_at, t.used_by IS NOT NULL
				FROM outbox o JOIN email_tokens t ON t.token = o.token WHERE t.account_id = ?1 OR o.to_addr = ?2 ORDER BY o.seq DESC LIMIT 50`,
				// what it sent (an agent's link mails) and what it received
				[]any{a.ID, a.Email.String}, func(r *sql.Rows) error {
					var m mailRow
					var created int64
					if err := r.Scan(&m.ID, &m.To, &m.Kind, &m.Subject, &m.Body, &m.Link, &created, &m.Used); err != nil {
						return err
					}
					m.To, m.Subject, m.Body, m.Created, m.Link = textsafe.Spell(m.To), textsafe.Spell(m.Subject), textsafe.SpellLines(m.Body), when(created), sandboxLink(m.Link)
					av.Mail = append(av.Mail, m)
					return nil
				})
		},
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return av, err
		}
	}
	var empty []string
	for _, sec := range []struct {
		n    int
		name string
	}{{len(av.Keys) + len(av.Billing), "API keys or billing"}, {len(av.Orgs), "organizations"}, {len(av.Deliveries), "webhook deliveries"},
		{len(av.Imports), "brand imports"}, {len(av.Mail), "mail"}} {
		if sec.n == 0 {
			empty = append(empty, sec.name)
		}
	}
	av.Nothing = strings.Join(empty, ", ")
	return av, nil
}

func eachRow(ctx context.Context, db *sql.DB, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c *console) orgs(ctx context.Context, av *acctView) error {
	db := c.s.st.db
	err := eachRow(ctx, db, `SELECT id, account_id, data, created_at, updated_at FROM orgs WHERE account_id = ? ORDER BY created_at, rowid`,
		[]any{av.ID}, func(r *sql.Rows) error {
			o, err := scanOrg(r)
			if err != nil {
				return err
			}
			name, _ := o.Fields["name"].(string)
			row := orgRow{ID: o.ID, Name: textsafe.Spell(name), Created: when(o.CreatedAt), Updated: when(o.UpdatedAt)}
			row.Fields, row.Palette = fieldRows(o.Fields, "name")
			av.Orgs = append(av.Orgs, row)
			return nil
		})
	if err != nil {
		return err
	}
	for i := range av.Orgs {
		o := &av.Orgs[i]
		err := eachRow(ctx, db, `SELECT id, url, name, description, created_at FROM webhooks WHERE org_id = ? ORDER BY created_at, rowid`,
			[]any{o.ID}, func(r *sql.Rows) error {
				var h hookRow
				var created int64
				if err := r.Scan(&h.ID, &h.URL, &h.Name, &h.Description, &created); err != nil {
					return err
				}
				h.URL, h.Name, h.Description, h.Created = textsafe.Spell(h.URL), textsafe.Spell(h.Name), textsafe.Spell(h.Description), when(created)
				o.Webhooks = append(o.Webhooks, h)
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

var cssColor = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?$`) })

// fieldRows lists an org's or a brand kit's fields, sorted, long values cut;
// a color_palette's colors are also returned when they are plain hex colors
// (anything else is shown as text only, never used as a color).
func fieldRows(fields map[string]any, skip string) ([]kv, []string) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != skip {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []kv
	var palette []string
	for _, k := range keys {
		var s string
		switch v := fields[k].(type) {
		case string:
			s = v
		default:
			b, _ := json.Marshal(v)
			s = string(b)
		}
		if k == "color_palette" {
			if m, ok := fields[k].(map[string]any); ok {
				names := make([]string, 0, len(m))
				for n := range m {
					names = append(names, n)
				}
				slices.Sort(names)
				for _, n := range names {
					if col, ok := m[n].(string); ok && cssColor().MatchString(col) {
						palette = append(palette, col)
					}
				}
			}
		}
		out = append(out, kv{K: textsafe.Spell(k), V: textsafe.Spell(textsafe.ClipBytes(s, 240))})
	}
	return out, palette
}

func (c *console) billing(ctx context.Context, av *acctView, a *account) error {
	type point struct {
		at, bal int64
	}
	pts := []point{{a.CreatedAt, 0}}
	err := eachRow(ctx, c.s.st.db, `SELECT id, type, amount_cents, balance_after_cents, description, ref, created_at FROM billing_events
		WHERE account_id = ? ORDER BY seq`, []any{a.ID}, func(r *sql.Rows) error {
		var b billRow
		var amount, after, created int64
		var ref sql.NullString
		if err := r.Scan(&b.ID, &b.Type, &amount, &after, &b.Description, &ref, &created); err != nil {
			return err
		}
		b.Amount, b.After, b.Negative, b.At = money.Dollars(amount), money.Dollars(after), amount < 0, when(created)
		b.Description, b.Ref = textsafe.Spell(b.Description), textsafe.Spell(ref.String)
		av.Billing = append(av.Billing, b)
		pts = append(pts, point{created, after})
		return nil
	})
	if err != nil {
		return err
	}
	// newest first in the table, as in the API's history
	for i, j := 0, len(av.Billing)-1; i < j; i, j = i+1, j-1 {
		av.Billing[i], av.Billing[j] = av.Billing[j], av.Billing[i]
	}
	vals := make([]int64, len(pts))
	for i, p := range pts {
		vals[i] = p.bal
	}
	av.Chart = drawChart(vals, when(pts[0].at), when(pts[len(pts)-1].at))
	return nil
}

func (c *console) imports(ctx context.Context, av *acctView, now time.Time) error {
	delay := c.s.opts.ImportDelay
	return eachRow(ctx, c.s.st.db, `SELECT `+importCols+` FROM imports WHERE account_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 50`,
		[]any{av.ID}, func(r *sql.Rows) error {
			j, err := scanImport(r)
			if err != nil {
				return err
			}
			st := j.status(now, delay)
			row := importRow{ID: j.ID, Domain: textsafe.Spell(j.Domain), Status: st, Cost: money.Dollars(j.ChargeCents), OrgID: j.OrgID.String,
				Error: textsafe.Spell(j.Error.String), Created: when(j.CreatedAt)}
			created := time.UnixMilli(j.CreatedAt)
			processing := created.Add(delay)
			ready := created.Add(2 * delay)
			row.Timeline = []step{
				{"queued", when(j.CreatedAt), true},
				{"processing", when(ms(processing)), !now.Before(processing)},
			}
			switch j.State {
			case "failed":
				row.Timeline = append(row.Timeline, step{"failed", when(j.UpdatedAt), true})
			case "completed":
				if !j.AutoAccept {
					row.Timeline = append(row.Timeline, step{"awaiting_confirmation", when(ms(ready)), true})
				}
				row.Timeline = append(row.Timeline, step{"completed", when(j.UpdatedAt), true})
			case "awaiting_confirmation":
				row.Timeline = append(row.Timeline, step{"awaiting_confirmation", when(j.UpdatedAt), true}, step{"completed", "", false})
			default: // still running, or due and not yet seen by an API read
				final := "awaiting_confirmation"
				if j.AutoAccept {
					final = "completed"
				}
				row.Timeline = append(row.Timeline, step{final, "", false})
			}
			if st == "awaiting_confirmation" || st == "completed" {
				row.Brand, row.Palette = fieldRows(j.Brand, "")
			}
			av.Imports = append(av.Imports, row)
			return nil
		})
}

func (c *console) deliveries(ctx context.Context, av *acctView) error {
	// The secret is read only to derive the signature header a receiver got;
	// it never leaves this function.
	return eachRow(ctx, c.s.st.db, `SELECT d.id, d.event, d.url, d.payload, d.status, d.attempts, d.last_status, d.last_error, d.created_at, d.delivered_at, w.secret
		FROM deliveries d JOIN orgs o ON o.id = d.org_id LEFT JOIN webhooks w ON w.id = d.webhook_id
		WHERE o.account_id = ? ORDER BY d.seq DESC LIMIT 100`, []any{av.ID}, func(r *sql.Rows) error {
		var d deliveryRow
		var payload string
		var lastStatus, delivered sql.NullInt64
		var lastErr, secret sql.NullString
		var created int64
		if err := r.Scan(&d.ID, &d.Event, &d.URL, &payload, &d.Status, &d.Attempts, &lastStatus, &lastErr, &created, &delivered, &secret); err != nil {
			return err
		}
		d.Event, d.URL, d.LastError, d.Created = textsafe.Spell(d.Event), textsafe.Spell(d.URL), textsafe.Spell(lastErr.String), when(created)
		if lastStatus.Valid {
			d.LastStatus = fmt.Sprint(lastStatus.Int64)
		}
		if delivered.Valid {
			d.Delivered = when(delivered.Int64)
		}
		d.Headers = []kv{{"Content-Type", "application/json"}, {"User-Agent", "MyAPIHQ-Sandbox-Webhooks/1"},
			{"X-MyAPIHQ-Event", d.Event}, {"X-MyAPIHQ-Delivery", d.ID}}
		if secret.Valid {
			d.Headers = append(d.Headers, kv{SignatureHeader, Sign(secret.String, []byte(payload))})
		} else {
			d.Headers = append(d.Headers, kv{SignatureHeader, "(webhook deleted)"})
		}
		var pretty any
		if json.Unmarshal([]byte(payload), &pretty) == nil {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false) // the template escapes; \u003c would only be harder to read
			enc.SetIndent("", "  ")
			if enc.Encode(pretty) == nil {
				payload = strings.TrimSuffix(b.String(), "\n")
			}
		}
		d.Body = textsafe.SpellLines(textsafe.ClipBytes(payload, 8000))
		av.Deliveries = append(av.Deliveries, d)
		return nil
	})
}

// sandboxLink keeps a mailed link only as a path on this sandbox, so the
// console's link works whatever host the mail was addressed with, and a link
// elsewhere is never made clickable.
func sandboxLink(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/_sandbox/") || path.Clean(u.Path) != u.Path {
		return ""
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
}

// when is a stored time as the tables show it: short, in UTC like the API.
func when(msec int64) string { return time.UnixMilli(msec).UTC().Format("Jan 02 15:04:05") }

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }
