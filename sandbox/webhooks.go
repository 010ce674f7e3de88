package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Webhook events are rows in the state, written in the transaction of the
// change they describe; a background loop in every process claims due rows
// with a lease, sends them, and records the outcome. A process that dies
// mid-send leaves a lease that expires, and another sends the event again
// (at-least-once, like every real webhook system).

// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, body)).
const SignatureHeader = "X-MyAPIHQ-Signature"

// Sign is how receivers verify a delivery.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (c *call) enqueueEvent(o *org, event string, data map[string]any) error {
	rows, err := c.tx.Query(`SELECT id, url FROM webhooks WHERE org_id = ? ORDER BY created_at, rowid`, o.ID)
	if err != nil {
		return err
	}
	type hook struct{ id, url string }
	var hooks []hook
	for rows.Next() {
		var h hook
		if err := rows.Scan(&h.id, &h.url); err != nil {
			rows.Close()
			return err
		}
		hooks = append(hooks, h)
	}
	rows.Close()
	if len(hooks) == 0 {
		return rows.Err()
	}
	payload, err := json.Marshal(map[string]any{"id": newID("evt"), "type": event, "created_at": stamp(ms(c.now)), "org_id": o.ID, "data": data})
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if _, err := c.tx.Exec(`INSERT INTO deliveries(id, webhook_id, org_id, event, url, payload, status, next_attempt_at, created_at)
			VALUES (?,?,?,?,?,?,'pending',?,?)`, newID("dlv"), h.id, o.ID, event, h.url, string(payload), ms(c.now), ms(c.now)); err != nil {
			return err
		}
	}
	c.after = append(c.after, c.s.hooks.kick)
	return nil
}

type deliverer struct {
	s     *Server
	kickc chan struct{}
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newDeliverer(s *Server) *deliverer {
	return &deliverer{s: s, kickc: make(chan struct{}, 1), quit: make(chan struct{})}
}

func (d *deliverer) kick() {
	select {
	case d.kickc <- struct{}{}:
	default:
	}
}

func (d *deliverer) start() {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		tick := time.NewTicker(250 * time.Millisecond) // retries and rows other processes left
		defer tick.Stop()
		for {
			select {
			case <-d.quit:
				return
			case <-d.kickc:
			case <-tick.C:
			}
			d.runDue()
		}
	}()
}

func (d *deliverer) stop() {
	d.once.Do(func() { close(d.quit) })
	d.wg.Wait()
}

type claimed struct {
	id, url, secret, event string
	payload                []byte
	attempts               int
}

// runDue sends every delivery due now; it returns how many it sent.
func (d *deliverer) runDue() int {
	total := 0
	for {
		batch := d.claim(16)
		if len(batch) == 0 {
			return total
		}
		var wg sync.WaitGroup
		for _, c := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.send(c)
			}()
		}
		wg.Wait()
		total += len(batch)
	}
}

func (d *deliverer) claim(limit int) []claimed {
	now := d.s.now()
	// Look before locking: most ticks find nothing, and a write transaction
	// would take the state file's lock from every other process sharing it.
	var due int
	if err := d.s.st.db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until <= ?`,
		ms(now), ms(now)).Scan(&due); err != nil || due == 0 {
		return nil
	}
	lease := ms(now.Add(d.s.opts.WebhookTimeout + 5*time.Second))
	var out []claimed
	err := d.s.st.tx(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT d.id, d.url, w.secret, d.event, d.payload, d.attempts FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.lease_until <= ? ORDER BY d.seq LIMIT ?`, ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c claimed
			var payload string
			if err := rows.Scan(&c.id, &c.url, &c.secret, &c.event, &payload, &c.attempts); err != nil {
				rows.Close()
				return err
			}
			c.payload = []byte(payload)
			out = append(out, c)
		}
		rows.Close()
		for _, c := range out {
			if _, err := tx.Exec(`UPDATE deliveries SET lease_until = ? WHERE id = ?`, lease, c.id); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil // the state is busy or closing: the ticker tries again
	}
	return out
}

func (d *deliverer) send(c claimed) {
	ctx, cancel := context.WithTimeout(context.Background(), d.s.opts.WebhookTimeout)
	defer cancel()
	status, errText := 0, ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.payload))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "MyAPIHQ-Sandbox-Webhooks/1")
		req.Header.Set("X-MyAPIHQ-Event", c.event)
		req.Header.Set("X-MyAPIHQ-Delivery", c.id)
		req.Header.Set(SignatureHeader, Sign(c.secret, c.payload))
		var resp *http.Response
		resp, err = d.s.opts.WebhookClient.Do(req)
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
	}
	final := false
	if reason, ok := refused(err); ok {
		errText, final = "refused: "+reason, true // policy: a retry would be refused too
	} else if err != nil {
		errText = err.Error()
	} else if status >= 300 && status <= 399 {
		errText = fmt.Sprintf("receiver answered %d: redirects are not followed", status)
	} else if status < 200 || status > 299 {
		errText = fmt.Sprintf("receiver answered %d", status)
	}

	now := d.s.now()
	attempts := c.attempts + 1
	_ = d.s.st.tx(context.Background(), func(tx *sql.Tx) error {
		switch {
		case errText == "":
			_, err := tx.Exec(`UPDATE deliveries SET status = 'delivered', attempts = ?, last_status = ?, last_error = NULL, delivered_at = ?, lease_until = 0
				WHERE id = ? AND status = 'pending'`, attempts, status, ms(now), c.id)
			return err
		case final || attempts >= d.s.opts.WebhookMaxAttempts:
			_, err := tx.Exec(`UPDATE deliveries SET status = 'failed', attempts = ?, last_status = ?, last_error = ?, lease_until = 0
				WHERE id = ? AND status = 'pending'`, attempts, status, errText, c.id)
			return err
		default:
			next := now.Add(d.s.opts.WebhookRetryBase << (attempts - 1))
			_, err := tx.Exec(`UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ?, lease_until = 0
				WHERE id = ? AND status = 'pending'`, attempts, status, errText, ms(next), c.id)
			return err
		}
	})
}

// flush delivers until nothing is due now (leased rows count as due until recorded).
func (d *deliverer) flush(ctx context.Context) error {
	for {
		d.runDue()
		var n int
		err := d.s.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?`, ms(d.s.now())).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
