package sandbox

import (
	"database/sql"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/markup"
	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// routes is the whole API surface: the reference's 30 endpoints, then the
// sandbox's own routes under /_sandbox/, apart from the API.
func (s *Server) routes() {
	api := []struct {
		pattern string
		auth    authKind
		fn      handlerFunc
	}{
		{"GET /hq/account/keys", authJWT, listKeys},
		{"POST /hq/account/create/key", authJWT, createKey},
		{"DELETE /hq/account/delete/key/{id}", authJWT, revokeKey},
		{"POST /hq/account/register", authNone, register},
		{"POST /hq/account/login", authNone, login},
		{"POST /hq/account/refresh", authNone, refresh},
		{"POST /hq/account/link-agent", authHuman, linkAgent},
		{"POST /hq/account/link-agent/accept", authHuman, acceptLink},
		{"GET /hq/account/agents", authHuman, listAgents},
		{"GET /hq/account/agent/{agent_id}/balance", authHuman, agentBalance},
		{"GET /hq/account/agent/{agent_id}/usage", authHuman, agentUsage},
		{"POST /hq/account/agent/send-link-email", authAgent, sendLinkEmail},
		{"GET /hq/orgs", authAPIKey, listOrgs},
		{"POST /hq/orgs", authAPIKey, createOrg},
		{"GET /hq/orgs/{id}", authAPIKey, getOrg},
		{"PATCH /hq/orgs/{id}", authAPIKey, patchOrg},
		{"DELETE /hq/orgs/{id}", authAPIKey, deleteOrg},
		{"POST /hq/orgs/{id}/webhooks", authAPIKey, createWebhook},
		{"GET /hq/orgs/{id}/webhooks", authAPIKey, listWebhooks},
		{"DELETE /hq/orgs/{id}/webhooks/{webhook_id}", authAPIKey, deleteWebhook},
		{"POST /hq/account/agent/create", authNone, agentCreate},
		{"POST /hq/account/agent/token", authNone, agentToken},
		{"POST /hq/billing/topup", authJWT, topUp},
		{"GET /hq/billing/balance", authJWT, getBalance},
		{"POST /hq/billing/setup-payment", authJWT, setupPayment},
		{"POST /hq/billing/setup-payment/confirm", authJWT, confirmPayment},
		{"GET /hq/billing/history", authJWT, billingHistory},
		{"POST /hq/org-imports", authAPIKey, createImport},
		{"GET /hq/org-imports/{job_id}", authAPIKey, getImport},
		{"POST /hq/org-imports/{job_id}/confirm", authAPIKey, confirmImport},
	}
	docs := make([]routeDoc, len(api))
	for i, rt := range api {
		s.mux.Handle(rt.pattern, s.handle(rt.auth, rt.fn))
		docs[i] = routeDoc{rt.pattern, rt.auth}
	}
	s.mountServices(docs) // the other services' stand-ins (services.go)
	s.mux.HandleFunc("/hq/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", newID("req"))
		writeError(w, fail(404, "not_found", "no endpoint %s %s", r.Method, r.URL.Path))
	})

	s.mux.HandleFunc("GET /_sandbox/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok", "sandbox": true, "persistent": s.opts.StatePath != ""})
	})
	s.mux.HandleFunc("GET /_sandbox/outbox", s.outbox)
	s.mux.HandleFunc("GET /_sandbox/deliveries", s.deliveries)
	s.mux.HandleFunc("GET /_sandbox/ledger", s.ledger)
	s.mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		if s.faults == nil {
			writeJSON(w, 200, map[string]any{"spec": "none"})
			return
		}
		writeJSON(w, 200, s.faults.counts())
	})
	s.mux.HandleFunc("GET /_sandbox/checkout/{id}", s.checkoutPage)
	s.mux.HandleFunc("POST /_sandbox/checkout/{id}", s.checkoutSubmit)
	s.mux.HandleFunc("GET /_sandbox/verify", s.verifyEmail)
	s.mux.HandleFunc("GET /_sandbox/link", func(w http.ResponseWriter, r *http.Request) {
		page(w, 200, "Link an agent", "Log in to MyAPIHQ, then accept the link with token "+r.URL.Query().Get("token")+
			" (POST /hq/account/link-agent/accept).")
	})
}

// GET /_sandbox/outbox?to=ADDR: the mail the sandbox "sent", newest first.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	q := `SELECT id, to_addr, kind, subject, body, link, token, created_at FROM outbox`
	var args []any
	if to := r.URL.Query().Get("to"); to != "" {
		q += ` WHERE to_addr = ?`
		args = append(args, strings.ToLower(to))
	}
	rows, err := s.st.db.QueryContext(r.Context(), q+` ORDER BY seq DESC LIMIT 200`, args...)
	if err != nil {
		writeError(w, fail(500, "internal_error", "%v", err))
		return
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var id, to, kind, subject, body, link, token string
		var created int64
		if err := rows.Scan(&id, &to, &kind, &subject, &body, &link, &token, &created); err != nil {
			writeError(w, fail(500, "internal_error", "%v", err))
			return
		}
		out = append(out, map[string]any{"id": id, "to": to, "kind": kind, "subject": subject, "body": body,
			"link": link, "token": token, "created_at": stamp(created)})
	}
	writeJSON(w, 200, out)
}

// GET /_sandbox/deliveries?org_id=ID: webhook deliveries, oldest first.
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	q := `SELECT id, webhook_id, org_id, event, url, payload, status, attempts, last_status, last_error, created_at, delivered_at FROM deliveries`
	var args []any
	if org := r.URL.Query().Get("org_id"); org != "" {
		q += ` WHERE org_id = ?`
		args = append(args, org)
	}
	rows, err := s.st.db.QueryContext(r.Context(), q+` ORDER BY seq LIMIT 1000`, args...)
	if err != nil {
		writeError(w, fail(500, "internal_error", "%v", err))
		return
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var id, hook, orgID, event, u, payload, status string
		var attempts int
		var lastStatus, delivered sql.NullInt64
		var lastErr sql.NullString
		var created int64
		if err := rows.Scan(&id, &hook, &orgID, &event, &u, &payload, &status, &attempts, &lastStatus, &lastErr, &created, &delivered); err != nil {
			writeError(w, fail(500, "internal_error", "%v", err))
			return
		}
		d := map[string]any{"id": id, "webhook_id": hook, "org_id": orgID, "event": event, "url": u, "status": status,
			"attempts": attempts, "created_at": stamp(created), "payload": jsonRaw(payload)}
		if lastStatus.Valid {
			d["last_status"] = lastStatus.Int64
		}
		if lastErr.Valid {
			d["last_error"] = lastErr.String
		}
		if delivered.Valid {
			d["delivered_at"] = stamp(delivered.Int64)
		}
		out = append(out, d)
	}
	writeJSON(w, 200, out)
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func page(w http.ResponseWriter, status int, title, text string) {
	renderPage(w, status, title, text, "")
}

// renderPage shows a page; form, if set, is the checkout form's token.
func renderPage(w http.ResponseWriter, status int, title, text, form string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Stricter than the console's (these pages need no script): only their
	// own inline style, the form posted only here, never framed.
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	var b markup.Builder
	b.F(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s · MyAPIHQ sandbox</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
input,button{font:inherit;padding:.4rem;margin:.2rem 0;width:100%%}</style></head>
<body><h1>%s</h1><p>%s</p>`, title, title, text)
	b.If(form != "", `<form method="post">
<input type="hidden" name="checkout_token" value="%s">
<label>Card number <input name="card" value="4242 4242 4242 4242" autocomplete="off"></label>
<label>Expiry <input name="exp" value="12/34"></label>
<button type="submit">Save card</button></form>`, form)
	b.F(`
<p><small>MyAPIHQ sandbox: no real payment is made.</small></p></body></html>`)
	io.WriteString(w, b.String()) //nolint:errcheck // the client went away
}

// GET /_sandbox/checkout/{id}: the hosted page setup-payment points to.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	var completed sql.NullInt64
	err := s.st.db.QueryRowContext(r.Context(), `SELECT completed_at FROM checkout_sessions WHERE id = ?`, r.PathValue("id")).Scan(&completed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		page(w, 404, "Checkout not found", "This checkout link is unknown. Ask for a new one with setup-payment.")
	case err != nil:
		page(w, 500, "Error", err.Error())
	case completed.Valid:
		page(w, 200, "Card saved", "This checkout is complete: the card is on file. You can close this window.")
	default:
		w.Header().Set("Cache-Control", "no-store")
		renderPage(w, 200, "Save a payment card", "Test card details are filled in.", s.checkoutToken(r.PathValue("id"), s.now()))
	}
}

// POST /_sandbox/checkout/{id}: saves a test card to the session's account.
// Submitting twice is fine: the second time changes nothing.
func (s *Server) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	id := r.PathValue("id")
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if !s.validCheckoutToken(id, r.PostFormValue(CheckoutTokenField), s.now()) {
		if wantsJSON {
			writeError(w, fail(http.StatusForbidden, "checkout_token_required",
				"save the card from the checkout page: this request carries no valid %s from it", CheckoutTokenField))
			return
		}
		page(w, http.StatusForbidden, "Open the checkout page", "This form has expired or did not come from the checkout page. Open the checkout link again.")
		return
	}
	pm := "pm_" + randid.Base32(12)
	var status int
	err := s.st.tx(r.Context(), func(tx *sql.Tx) error {
		var account string
		var completed sql.NullInt64
		var existing sql.NullString
		err := tx.QueryRow(`SELECT account_id, completed_at, payment_method FROM checkout_sessions WHERE id = ?`, id).Scan(&account, &completed, &existing)
		if errors.Is(err, sql.ErrNoRows) {
			status = 404
			return nil
		}
		if err != nil {
			return err
		}
		status = 200
		if completed.Valid {
			pm = existing.String
			return nil
		}
		now := ms(s.now())
		if _, err := tx.Exec(`UPDATE checkout_sessions SET completed_at = ?, payment_method = ? WHERE id = ?`, now, pm, id); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE accounts SET payment_method = ? WHERE id = ?`, pm, account)
		return err
	})
	switch {
	case err != nil:
		writeError(w, fail(500, "internal_error", "%v", err))
	case status == 404 && wantsJSON:
		writeError(w, fail(404, "checkout_not_found", "unknown checkout session"))
	case status == 404:
		page(w, 404, "Checkout not found", "This checkout link is unknown.")
	case wantsJSON:
		writeJSON(w, 200, map[string]any{"status": "completed", "payment_method_id": pm})
	default:
		page(w, 200, "Card saved", "The card is on file. You can close this window and go back to your agent.")
	}
}

// GET /_sandbox/verify?token=T: the link in the verification email.
func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	found := false
	err := s.st.tx(r.Context(), func(tx *sql.Tx) error {
		var account string
		err := tx.QueryRow(`SELECT account_id FROM email_tokens WHERE token = ? AND kind = 'verify'`, token).Scan(&account)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if _, err := tx.Exec(`UPDATE email_tokens SET used_by = ? WHERE token = ?`, account, token); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE accounts SET verified = 1 WHERE id = ?`, account)
		return err
	})
	switch {
	case err != nil:
		page(w, 500, "Error", err.Error())
	case !found:
		page(w, 404, "Link not valid", "This verification link is unknown.")
	default:
		page(w, 200, "Email verified", "Your email address is verified. You can log in now.")
	}
}

// GET /_sandbox/ledger: counts and money totals over the whole state, for
// checks that nothing was created twice and that money adds up.
func (s *Server) ledger(w http.ResponseWriter, r *http.Request) {
	queries := []struct{ name, q string }{
		{"accounts", `SELECT COUNT(*) FROM accounts`},
		{"agents", `SELECT COUNT(*) FROM accounts WHERE kind = 'agent'`},
		{"humans", `SELECT COUNT(*) FROM accounts WHERE kind = 'human'`},
		{"api_keys", `SELECT COUNT(*) FROM api_keys`},
		{"api_keys_active", `SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL`},
		{"orgs", `SELECT COUNT(*) FROM orgs`},
		{"webhooks", `SELECT COUNT(*) FROM webhooks`},
		{"imports", `SELECT COUNT(*) FROM imports`},
		{"topups", `SELECT COUNT(*) FROM billing_events WHERE type = 'topup'`},
		{"topups_cents", `SELECT COALESCE(SUM(amount_cents), 0) FROM billing_events WHERE type = 'topup'`},
		{"charges_cents", `SELECT COALESCE(-SUM(amount_cents), 0) FROM billing_events WHERE type = 'charge'`},
		{"refunds_cents", `SELECT COALESCE(SUM(amount_cents), 0) FROM billing_events WHERE type = 'refund'`},
		{"balance_cents", `SELECT COALESCE(SUM(balance_cents), 0) FROM accounts`},
	}
	out := map[string]int64{}
	for _, q := range queries {
		var n int64
		if err := s.st.db.QueryRowContext(r.Context(), q.q).Scan(&n); err != nil {
			writeError(w, fail(500, "internal_error", "%v", err))
			return
		}
		out[q.name] = n
	}
	writeJSON(w, 200, out)
}
