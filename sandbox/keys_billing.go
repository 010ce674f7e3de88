package sandbox

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/myapihq/myapihq-mcp/internal/money"
)

// GET /hq/account/keys: active keys, never the full secret.
func listKeys(c *call) (int, any, error) {
	rows, err := c.tx.Query(`SELECT id, name, prefix, last4, scopes, created_at FROM api_keys
		WHERE account_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid`, c.acct.ID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var id, name, prefix, last4, scopes string
		var created int64
		if err := rows.Scan(&id, &name, &prefix, &last4, &scopes, &created); err != nil {
			return 0, nil, err
		}
		out = append(out, keyView(id, name, prefix, last4, scopes, created))
	}
	return http.StatusOK, out, rows.Err()
}

func keyView(id, name, prefix, last4, scopes string, created int64) map[string]any {
	var sc []string
	json.Unmarshal([]byte(scopes), &sc) //nolint:errcheck // written by us
	if sc == nil {
		sc = []string{}
	}
	return map[string]any{"id": id, "name": name, "prefix": prefix, "last4": last4, "scopes": sc,
		"status": "active", "created_at": stamp(created)}
}

// POST /hq/account/create/key: the only answer that ever holds the full key.
func createKey(c *call) (int, any, error) {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return 0, nil, fail(400, "missing_field", "name is required")
	case len(in.Name) > 100:
		return 0, nil, fail(400, "invalid_field", "name must be at most 100 characters")
	case len(in.Scopes) > 50:
		return 0, nil, fail(400, "invalid_field", "at most 50 scopes")
	}
	if in.Scopes == nil {
		in.Scopes = []string{}
	}
	key := newAPIKey()
	id := newID("key")
	prefix, last4 := key[:12], key[len(key)-4:]
	scopes, _ := json.Marshal(in.Scopes)
	if _, err := c.tx.Exec(`INSERT INTO api_keys(id, account_id, name, key_hash, prefix, last4, scopes, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		id, c.acct.ID, in.Name, hashSecret(key), prefix, last4, string(scopes), ms(c.now)); err != nil {
		return 0, nil, err
	}
	out := keyView(id, in.Name, prefix, last4, string(scopes), ms(c.now))
	out["status"] = "created"
	out["api_key"] = key
	return http.StatusCreated, out, nil
}

// DELETE /hq/account/delete/key/{id}: revoking a revoked key is a success, so
// a retried DELETE cannot turn into an error.
func revokeKey(c *call) (int, any, error) {
	id := c.r.PathValue("id")
	var revoked sql.NullInt64
	err := c.tx.QueryRow(`SELECT revoked_at FROM api_keys WHERE id = ? AND account_id = ?`, id, c.acct.ID).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fail(404, "key_not_found", "no API key %s in this workspace: list_keys shows the ids", id)
	}
	if err != nil {
		return 0, nil, err
	}
	if !revoked.Valid {
		if _, err := c.tx.Exec(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`, ms(c.now), id); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, map[string]any{"status": "revoked", "message": "Key revoked", "id": id}, nil
}

// balanceView is the reference's balance, plus which payment method is
// saved: the reference has only has_payment_method, so a client that waits
// for a checkout cannot tell a replaced card from the old one without it
// (docs/api.md, "Checkout completion"); a client must not need it.
func balanceView(a *account) map[string]any {
	v := map[string]any{
		"balance_cents":      a.BalanceCents,
		"balance_display":    money.Dollars(a.BalanceCents),
		"has_payment_method": a.PaymentMethod.Valid,
	}
	if a.PaymentMethod.Valid {
		v["payment_method_id"] = a.PaymentMethod.String
	}
	return v
}

// GET /hq/billing/balance
func getBalance(c *call) (int, any, error) { return http.StatusOK, balanceView(c.acct), nil }

// addBilling moves the caller's balance by delta and records why, in the
// request's transaction: balance and history cannot disagree.
func (c *call) addBilling(kind string, delta int64, description, ref string) (id string, balance int64, err error) {
	if err := c.tx.QueryRow(`UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ? RETURNING balance_cents`,
		delta, c.acct.ID).Scan(&balance); err != nil {
		return "", 0, err
	}
	c.acct.BalanceCents = balance
	id = newID("txn")
	_, err = c.tx.Exec(`INSERT INTO billing_events(id, account_id, type, amount_cents, balance_after_cents, description, ref, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		id, c.acct.ID, kind, delta, balance, description, ref, ms(c.now))
	return id, balance, err
}

const maxTopUpCents = 1_000_000

// POST /hq/billing/topup
func topUp(c *call) (int, any, error) {
	var in struct {
		AmountCents *int64 `json:"amount_cents"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	switch {
	case in.AmountCents == nil:
		return 0, nil, fail(400, "missing_field", "amount_cents is required")
	case *in.AmountCents < 1 || *in.AmountCents > maxTopUpCents:
		return 0, nil, fail(400, "invalid_amount", "amount_cents must be between 1 and %d", maxTopUpCents)
	case !c.acct.PaymentMethod.Valid:
		return 0, nil, fail(http.StatusPaymentRequired, "payment_method_required",
			"no payment method on file: call setup-payment and complete the checkout first")
	}
	id, bal, err := c.addBilling("topup", *in.AmountCents, "Top-up "+money.Dollars(*in.AmountCents), "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"new_balance_cents": bal, "new_balance_display": money.Dollars(bal), "transaction_id": id}, nil
}

// POST /hq/billing/setup-payment: the enveloped answer the reference shows.
func setupPayment(c *call) (int, any, error) {
	id := newID("cs")
	if _, err := c.tx.Exec(`INSERT INTO checkout_sessions(id, account_id, created_at) VALUES (?,?,?)`, id, c.acct.ID, ms(c.now)); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"success": true,
		"data":    map[string]any{"url": c.baseURL() + "/_sandbox/checkout/" + id, "session_id": id},
		"error":   nil,
		"meta":    map[string]any{"sandbox": true},
	}, nil
}

var paymentMethodID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^pm_[A-Za-z0-9_]{3,100}$`) })

// POST /hq/billing/setup-payment/confirm
func confirmPayment(c *call) (int, any, error) {
	var in struct {
		PaymentMethodID string `json:"payment_method_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !paymentMethodID().MatchString(in.PaymentMethodID) {
		return 0, nil, fail(400, "invalid_payment_method", "payment_method_id must look like pm_… (from the checkout)")
	}
	if _, err := c.tx.Exec(`UPDATE accounts SET payment_method = ? WHERE id = ?`, in.PaymentMethodID, c.acct.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "saved", "message": "Payment method saved",
		"payment_method_id": in.PaymentMethodID, "has_payment_method": true}, nil
}

// GET /hq/billing/history?limit=N: newest first.
func billingHistory(c *call) (int, any, error) {
	limit := 100
	if s := c.r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return 0, nil, fail(400, "invalid_limit", "limit must be between 1 and 500")
		}
		limit = n
	}
	rows, err := c.tx.Query(`SELECT id, type, amount_cents, balance_after_cents, description, ref, created_at FROM billing_events
		WHERE account_id = ? ORDER BY seq DESC LIMIT ?`, c.acct.ID, limit)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var id, kind, desc string
		var ref sql.NullString
		var amount, after, created int64
		if err := rows.Scan(&id, &kind, &amount, &after, &desc, &ref, &created); err != nil {
			return 0, nil, err
		}
		ev := map[string]any{"id": id, "type": kind, "amount_cents": amount, "amount_display": money.Dollars(amount),
			"balance_after_cents": after, "description": desc, "created_at": stamp(created)}
		if ref.Valid && ref.String != "" {
			ev["reference"] = ref.String
		}
		out = append(out, ev)
	}
	return http.StatusOK, out, rows.Err()
}
