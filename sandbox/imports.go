package sandbox

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/money"
)

// A job's state while it runs is not stored but derived from its age
// (queued for one ImportDelay, processing for the next), so it advances the
// same in every process sharing the state and survives restarts. The first
// request that sees a job past both phases finalises it in its transaction.

var domainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
})

type importJob struct {
	ID, AccountID, Domain, State string
	AutoAccept                   bool
	Brand                        map[string]any
	OrgID, Error                 sql.NullString
	ChargeCents                  int64
	CreatedAt, UpdatedAt         int64
}

const importCols = `id, account_id, domain, auto_accept, state, brand, org_id, error, charge_cents, created_at, updated_at`

func scanImport(row interface{ Scan(...any) error }) (*importJob, error) {
	j := &importJob{}
	var brand string
	if err := row.Scan(&j.ID, &j.AccountID, &j.Domain, &j.AutoAccept, &j.State, &brand, &j.OrgID, &j.Error, &j.ChargeCents, &j.CreatedAt, &j.UpdatedAt); err != nil {
		return nil, err
	}
	return j, json.Unmarshal([]byte(brand), &j.Brand)
}

// status is what the API shows now.
func (j *importJob) status(now time.Time, delay time.Duration) string {
	if j.State != "pending" {
		return j.State
	}
	age := now.Sub(time.UnixMilli(j.CreatedAt))
	switch {
	case age < delay:
		return "queued"
	case age < 2*delay:
		return "processing"
	}
	return "pending" // due: advanceImports finalises it
}

func (j *importJob) view(now time.Time, delay time.Duration) map[string]any {
	st := j.status(now, delay)
	v := map[string]any{"id": j.ID, "domain": j.Domain, "status": st, "auto_accept": j.AutoAccept,
		"cost_cents": j.ChargeCents, "created_at": stamp(j.CreatedAt), "updated_at": stamp(j.UpdatedAt)}
	if st == "awaiting_confirmation" || st == "completed" {
		v["brand"] = j.Brand
	}
	if j.OrgID.Valid {
		v["org_id"] = j.OrgID.String
	}
	if j.Error.Valid {
		v["error"] = j.Error.String
	}
	return v
}

// deriveBrand is the sandbox's "AI": a brand kit that depends only on the
// domain, so tests and demos can predict it.
func deriveBrand(domain string) map[string]any {
	h := sha256.Sum256([]byte(domain))
	labels := strings.Split(domain, ".")
	base := labels[0]
	if base == "www" && len(labels) > 2 {
		base = labels[1]
	}
	words := strings.FieldsFunc(base, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	name := strings.Join(words, " ")
	fonts := []string{"Inter", "Roboto", "Lato", "Montserrat", "Source Sans 3", "Poppins", "Merriweather", "IBM Plex Sans"}
	sectors := []string{"Software", "Retail", "Finance", "Health", "Education", "Media", "Travel", "Manufacturing"}
	sector := sectors[int(h[9])%len(sectors)]
	return map[string]any{
		"name":            name,
		"description":     fmt.Sprintf("%s is a %s business online at %s.", name, strings.ToLower(sector), domain),
		"business_sector": sector,
		"logo_url":        "https://" + domain + "/logo.png",
		"font_family":     fonts[int(h[10])%len(fonts)],
		"color_palette": map[string]any{
			"primary":   fmt.Sprintf("#%02x%02x%02x", h[0], h[1], h[2]),
			"secondary": fmt.Sprintf("#%02x%02x%02x", h[3], h[4], h[5]),
			"accent":    fmt.Sprintf("#%02x%02x%02x", h[6], h[7], h[8]),
		},
	}
}

// POST /hq/org-imports: validates, charges the price, queues the job.
func createImport(c *call) (int, any, error) {
	var in struct {
		Domain     string `json:"domain"`
		AutoAccept bool   `json:"auto_accept"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(in.Domain)), ".")
	switch {
	case domain == "":
		return 0, nil, fail(400, "missing_field", "domain is required")
	case len(domain) > 253 || !domainRE().MatchString(domain):
		return 0, nil, fail(400, "invalid_domain", "domain must be a bare domain such as example.com (no scheme, path or port)")
	}
	price := c.s.opts.ImportPriceCents
	if c.acct.BalanceCents < price {
		return 0, nil, fail(http.StatusPaymentRequired, "insufficient_balance",
			"a brand import costs %s and the balance is %s: top up first", money.Dollars(price), money.Dollars(c.acct.BalanceCents))
	}
	j := &importJob{ID: newID("imp"), AccountID: c.acct.ID, Domain: domain, State: "pending", AutoAccept: in.AutoAccept,
		Brand: deriveBrand(domain), ChargeCents: price, CreatedAt: ms(c.now), UpdatedAt: ms(c.now)}
	brand, _ := json.Marshal(j.Brand)
	if _, err := c.tx.Exec(`INSERT INTO imports(`+importCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		j.ID, j.AccountID, j.Domain, j.AutoAccept, j.State, string(brand), nil, nil, j.ChargeCents, j.CreatedAt, j.UpdatedAt); err != nil {
		return 0, nil, err
	}
	if _, _, err := c.addBilling("charge", -price, "Brand import of "+domain, j.ID); err != nil {
		return 0, nil, err
	}
	if err := c.advanceImports(j.ID); err != nil { // with no delay it is done at once
		return 0, nil, err
	}
	j, err := c.loadImport(j.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, j.view(c.now, c.s.opts.ImportDelay), nil
}

func (c *call) loadImport(id string) (*importJob, error) {
	j, err := scanImport(c.tx.QueryRow(`SELECT `+importCols+` FROM imports WHERE id = ? AND account_id = ?`, id, c.acct.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fail(404, "import_not_found", "no import job %s in this workspace", id)
	}
	return j, err
}

// advanceImports finalises the caller's due jobs (one job, or all with id "").
func (c *call) advanceImports(id string) error {
	due := ms(c.now.Add(-2 * c.s.opts.ImportDelay))
	q := `SELECT ` + importCols + ` FROM imports WHERE account_id = ? AND state = 'pending' AND created_at <= ?`
	args := []any{c.acct.ID, due}
	if id != "" {
		q += ` AND id = ?`
		args = append(args, id)
	}
	rows, err := c.tx.Query(q, args...)
	if err != nil {
		return err
	}
	var jobs []*importJob
	for rows.Next() {
		j, err := scanImport(rows)
		if err != nil {
			rows.Close()
			return err
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, j := range jobs {
		if err := c.finishImport(j); err != nil {
			return err
		}
	}
	return nil
}

func (c *call) finishImport(j *importJob) error {
	var orgID, errText any
	state := "awaiting_confirmation"
	switch {
	case strings.HasSuffix(j.Domain, ".invalid"):
		state, errText = "failed", "could not reach "+j.Domain+": no such host (the import fee was refunded)"
		if _, _, err := c.addBilling("refund", j.ChargeCents, "Refund: brand import of "+j.Domain+" failed", j.ID); err != nil {
			return err
		}
	case j.AutoAccept:
		o, err := c.insertOrg(orgFieldsFromBrand(j.Brand))
		if err != nil {
			return err
		}
		state, orgID = "completed", o.ID
	}
	_, err := c.tx.Exec(`UPDATE imports SET state = ?, org_id = ?, error = ?, updated_at = ? WHERE id = ?`,
		state, orgID, errText, ms(c.now), j.ID)
	return err
}

func orgFieldsFromBrand(brand map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range brand {
		if _, ok := orgFields[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

// currentImport brings {job_id} up to now and loads it.
func (c *call) currentImport() (*importJob, error) {
	id := c.r.PathValue("job_id")
	if err := c.advanceImports(id); err != nil {
		return nil, err
	}
	return c.loadImport(id)
}

// GET /hq/org-imports/{job_id}
func getImport(c *call) (int, any, error) {
	j, err := c.currentImport()
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, j.view(c.now, c.s.opts.ImportDelay), nil
}

// POST /hq/org-imports/{job_id}/confirm: the brand, with any overrides,
// becomes an organization.
func confirmImport(c *call) (int, any, error) {
	j, err := c.currentImport()
	if err != nil {
		return 0, nil, err
	}
	if st := j.status(c.now, c.s.opts.ImportDelay); st != "awaiting_confirmation" {
		return 0, nil, conflict("import_not_awaiting", "import %s is %s, not awaiting_confirmation", j.ID, st)
	}
	fields := orgFieldsFromBrand(j.Brand)
	if body := bytes.TrimSpace(c.body); len(body) > 0 && string(body) != "{}" {
		overrides, err := orgInput(body, true)
		if err != nil {
			return 0, nil, err
		}
		for k, v := range overrides {
			if v == nil {
				delete(fields, k)
			} else {
				fields[k] = v
			}
		}
	}
	o, err := c.insertOrg(fields)
	if err != nil {
		return 0, nil, err
	}
	if _, err := c.tx.Exec(`UPDATE imports SET state = 'completed', org_id = ?, updated_at = ? WHERE id = ?`, o.ID, ms(c.now), j.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o.view(), nil
}
