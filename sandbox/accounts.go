package sandbox

import (
	"database/sql"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

const refreshCookie = "hq_refresh"

func (c *call) insertAccount(a *account, passwordHash, pinHash any) error {
	_, err := c.tx.Exec(`INSERT INTO accounts(id, kind, label, email, password_hash, pin_hash, verified, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		a.ID, a.Kind, a.Label, a.Email, passwordHash, pinHash, a.Verified, a.CreatedAt)
	return err
}

// POST /hq/account/agent/create: the full form {account_id, pin, token}.
func agentCreate(c *call) (int, any, error) {
	var in struct {
		Label string `json:"label"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if len(in.Label) > 100 {
		return 0, nil, fail(400, "invalid_field", "label must be at most 100 characters")
	}
	pin := newPIN()
	a := &account{ID: newID("acct"), Kind: "agent", Label: strings.TrimSpace(in.Label), CreatedAt: ms(c.now)}
	if err := c.insertAccount(a, nil, hashSecret(pin)); err != nil {
		return 0, nil, err
	}
	out, err := c.s.tokenBody(a, c.now)
	if err != nil {
		return 0, nil, err
	}
	out["pin"] = pin
	if a.Label != "" {
		out["label"] = a.Label
	}
	return http.StatusCreated, out, nil
}

// POST /hq/account/agent/token
func agentToken(c *call) (int, any, error) {
	var in struct {
		PIN string `json:"pin"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.PIN == "" {
		return 0, nil, fail(400, "missing_field", "pin is required")
	}
	a, err := loadAccount(c.tx, "pin_hash = ?", hashSecret(in.PIN))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fail(401, "invalid_pin", "invalid PIN")
	}
	if err != nil {
		return 0, nil, err
	}
	out, err := c.s.tokenBody(a, c.now)
	return http.StatusOK, out, err
}

func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") && len(s) <= 254
}

// POST /hq/account/register
func register(c *call) (int, any, error) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	switch {
	case !validEmail(in.Email):
		return 0, nil, fail(400, "invalid_email", "email must be a valid address such as ada@example.com")
	case len(in.Password) < 8:
		return 0, nil, fail(400, "weak_password", "password must be at least 8 characters")
	case len(in.Password) > 1024:
		return 0, nil, fail(400, "invalid_field", "password must be at most 1024 characters")
	}
	var n int
	if err := c.tx.QueryRow(`SELECT COUNT(*) FROM accounts WHERE email = ?`, in.Email).Scan(&n); err != nil {
		return 0, nil, err
	}
	if n > 0 {
		return 0, nil, conflict("email_taken", "an account with this email already exists: log in instead")
	}
	hash, err := c.s.hashPassword(in.Password)
	if err != nil {
		return 0, nil, err
	}
	a := &account{ID: newID("acct"), Kind: "human", Email: sql.NullString{String: in.Email, Valid: true}, CreatedAt: ms(c.now)}
	if err := c.insertAccount(a, hash, nil); err != nil {
		return 0, nil, err
	}
	token := randid.Base32(20)
	link := c.baseURL() + "/_sandbox/verify?token=" + url.QueryEscape(token)
	if err := c.sendEmail("verify", a.ID, in.Email, token, "Verify your MyAPIHQ account",
		"Welcome to MyAPIHQ. Open this link to verify your email address:\n"+link, link); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{
		"status": "verification_sent", "message": "Registration successful, verification email sent",
		"account_id": a.ID, "email": in.Email,
	}, nil
}

// sendEmail puts a mail in the outbox, and its token in email_tokens.
func (c *call) sendEmail(kind, accountID, to, token, subject, body, link string) error {
	if _, err := c.tx.Exec(`INSERT INTO email_tokens(token, kind, account_id, email, created_at) VALUES (?,?,?,?,?)`,
		token, kind, accountID, to, ms(c.now)); err != nil {
		return err
	}
	_, err := c.tx.Exec(`INSERT INTO outbox(id, to_addr, kind, subject, body, link, token, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		newID("msg"), to, kind, subject, body, link, token, ms(c.now))
	return err
}

// POST /hq/account/login
func login(c *call) (int, any, error) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Email == "" || in.Password == "" {
		return 0, nil, fail(400, "missing_field", "email and password are required")
	}
	var hash sql.NullString
	a, err := scanAccountWith(c.tx.QueryRow(`SELECT `+accountCols+`, password_hash FROM accounts WHERE email = ? AND kind = 'human'`,
		strings.ToLower(strings.TrimSpace(in.Email))), &hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !checkPassword(hash.String, in.Password)) {
		return 0, nil, fail(401, "invalid_login", "invalid email or password")
	}
	if err != nil {
		return 0, nil, err
	}
	if !a.Verified {
		return 0, nil, fail(403, "email_not_verified", "email not verified: open the link in the verification email first")
	}
	return c.startSession(a)
}

func scanAccountWith(row *sql.Row, extra ...any) (*account, error) {
	a := &account{}
	dest := append([]any{&a.ID, &a.Kind, &a.Label, &a.Email, &a.Verified, &a.BalanceCents, &a.PaymentMethod, &a.CreatedAt}, extra...)
	return a, row.Scan(dest...)
}

// startSession answers a login or refresh: a JWT, and a new HttpOnly refresh cookie.
func (c *call) startSession(a *account) (int, any, error) {
	refresh := randid.Base32(24)
	exp := c.now.Add(30 * 24 * time.Hour)
	if _, err := c.tx.Exec(`INSERT INTO refresh_tokens(hash, account_id, expires_at) VALUES (?,?,?)`, hashSecret(refresh), a.ID, ms(exp)); err != nil {
		return 0, nil, err
	}
	c.cookies = append(c.cookies, &http.Cookie{
		Name: refreshCookie, Value: refresh, Path: "/hq/account", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.r.TLS != nil,
	})
	out, err := c.s.tokenBody(a, c.now)
	return http.StatusOK, out, err
}

// POST /hq/account/refresh: the cookie is single-use; each refresh rotates it.
func refresh(c *call) (int, any, error) {
	ck, err := c.r.Cookie(refreshCookie)
	if err != nil || ck.Value == "" {
		return 0, nil, fail(401, "missing_refresh_token", "no refresh cookie: log in first")
	}
	var accountID string
	var expires int64
	var used bool
	err = c.tx.QueryRow(`SELECT account_id, expires_at, used FROM refresh_tokens WHERE hash = ?`, hashSecret(ck.Value)).Scan(&accountID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used || expires < ms(c.now))) {
		return 0, nil, fail(401, "invalid_refresh_token", "the refresh token is invalid, used or expired: log in again")
	}
	if err != nil {
		return 0, nil, err
	}
	if _, err := c.tx.Exec(`UPDATE refresh_tokens SET used = 1 WHERE hash = ?`, hashSecret(ck.Value)); err != nil {
		return 0, nil, err
	}
	a, err := loadAccount(c.tx, "id = ?", accountID)
	if err != nil {
		return 0, nil, err
	}
	return c.startSession(a)
}

// link joins agent to the calling human. Linking twice to the same human is
// a no-op; an agent already linked to someone else is a conflict.
func (c *call) link(agent *account) (int, any, error) {
	var owner string
	err := c.tx.QueryRow(`SELECT human_id FROM links WHERE agent_id = ?`, agent.ID).Scan(&owner)
	switch {
	case err == nil && owner != c.acct.ID:
		return 0, nil, conflict("agent_already_linked", "this agent is already linked to another account")
	case errors.Is(err, sql.ErrNoRows):
		if _, err := c.tx.Exec(`INSERT INTO links(agent_id, human_id, linked_at) VALUES (?,?,?)`, agent.ID, c.acct.ID, ms(c.now)); err != nil {
			return 0, nil, err
		}
	case err != nil:
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "linked", "message": "Agent linked successfully", "agent": agent.view()}, nil
}

// POST /hq/account/link-agent (human): link by the agent's PIN.
func linkAgent(c *call) (int, any, error) {
	var in struct {
		PIN string `json:"pin"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.PIN == "" {
		return 0, nil, fail(400, "missing_field", "pin is required")
	}
	agent, err := loadAccount(c.tx, "pin_hash = ? AND kind = 'agent'", hashSecret(in.PIN))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fail(404, "agent_not_found", "no agent has this PIN")
	}
	if err != nil {
		return 0, nil, err
	}
	return c.link(agent)
}

// POST /hq/account/agent/send-link-email (agent): mail a human a link token.
func sendLinkEmail(c *call) (int, any, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !validEmail(email) {
		return 0, nil, fail(400, "invalid_email", "email must be a valid address such as ada@example.com")
	}
	token := randid.Base32(20)
	link := c.baseURL() + "/_sandbox/link?token=" + url.QueryEscape(token)
	body := "An AI agent (" + c.acct.ID + ") asks to be linked to your MyAPIHQ account.\n" +
		"Log in and accept with this token: " + token + "\n" + link
	if err := c.sendEmail("link", c.acct.ID, email, token, "Link an agent to your MyAPIHQ account", body, link); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "sent", "message": "Link email sent", "email": email}, nil
}

// POST /hq/account/link-agent/accept (human): the token from that email.
// The mail went to one address; only the human with that address may accept.
func acceptLink(c *call) (int, any, error) {
	var in struct {
		Token string `json:"token"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Token == "" {
		return 0, nil, fail(400, "missing_field", "token is required")
	}
	var agentID, email string
	var usedBy sql.NullString
	err := c.tx.QueryRow(`SELECT account_id, email, used_by FROM email_tokens WHERE token = ? AND kind = 'link'`, in.Token).Scan(&agentID, &email, &usedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fail(404, "link_not_found", "unknown link token")
	}
	if err != nil {
		return 0, nil, err
	}
	if !c.acct.Email.Valid || c.acct.Email.String != email {
		return 0, nil, fail(403, "link_for_other_email", "this link was sent to another email address")
	}
	if usedBy.Valid && usedBy.String != c.acct.ID {
		return 0, nil, conflict("link_used", "this link token has already been used")
	}
	if _, err := c.tx.Exec(`UPDATE email_tokens SET used_by = ? WHERE token = ?`, c.acct.ID, in.Token); err != nil {
		return 0, nil, err
	}
	agent, err := loadAccount(c.tx, "id = ?", agentID)
	if err != nil {
		return 0, nil, err
	}
	return c.link(agent)
}

// GET /hq/account/agents (human)
func listAgents(c *call) (int, any, error) {
	rows, err := c.tx.Query(`SELECT `+prefixCols("a.", accountCols)+`, l.linked_at FROM links l JOIN accounts a ON a.id = l.agent_id
		WHERE l.human_id = ? ORDER BY l.linked_at, l.rowid`, c.acct.ID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var linked int64
		a := &account{}
		if err := rows.Scan(&a.ID, &a.Kind, &a.Label, &a.Email, &a.Verified, &a.BalanceCents, &a.PaymentMethod, &a.CreatedAt, &linked); err != nil {
			return 0, nil, err
		}
		v := a.view()
		v["linked_at"] = stamp(linked)
		out = append(out, v)
	}
	return http.StatusOK, out, rows.Err()
}

// linkedAgent loads {agent_id} if it is linked to the caller. Unknown and
// unlinked agents get the same 403, so ids cannot be probed.
func (c *call) linkedAgent() (*account, error) {
	id := c.r.PathValue("agent_id")
	a, err := scanAccount(c.tx.QueryRow(`SELECT `+prefixCols("a.", accountCols)+` FROM links l JOIN accounts a ON a.id = l.agent_id
		WHERE l.agent_id = ? AND l.human_id = ?`, id, c.acct.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fail(403, "agent_not_linked", "agent %s is not linked to your account: link it first", id)
	}
	return a, err
}

// GET /hq/account/agent/{agent_id}/balance (human)
func agentBalance(c *call) (int, any, error) {
	a, err := c.linkedAgent()
	if err != nil {
		return 0, nil, err
	}
	v := balanceView(a)
	v["agent_id"] = a.ID
	return http.StatusOK, v, nil
}

// GET /hq/account/agent/{agent_id}/usage (human): what the agent has spent and made.
func agentUsage(c *call) (int, any, error) {
	a, err := c.linkedAgent()
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"agent_id": a.ID, "since": stamp(a.CreatedAt)}
	counts := []struct{ name, query string }{
		{"organizations", `SELECT COUNT(*) FROM orgs WHERE account_id = ?`},
		{"api_keys_active", `SELECT COUNT(*) FROM api_keys WHERE account_id = ? AND revoked_at IS NULL`},
		{"brand_imports", `SELECT COUNT(*) FROM imports WHERE account_id = ?`},
		{"charges_cents", `SELECT COALESCE(-SUM(amount_cents), 0) FROM billing_events WHERE account_id = ? AND type = 'charge'`},
		{"refunds_cents", `SELECT COALESCE(SUM(amount_cents), 0) FROM billing_events WHERE account_id = ? AND type = 'refund'`},
		{"topups_cents", `SELECT COALESCE(SUM(amount_cents), 0) FROM billing_events WHERE account_id = ? AND type = 'topup'`},
	}
	for _, q := range counts {
		var n int64
		if err := c.tx.QueryRow(q.query, a.ID).Scan(&n); err != nil {
			return 0, nil, err
		}
		out[q.name] = n
	}
	return http.StatusOK, out, nil
}
