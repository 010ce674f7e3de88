package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/elicitid"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The checkout by URL. A server must not collect payment details itself
// (not even through a form elicitation); the human saves a card on the
// service's hosted checkout page. Where the client can open a URL for the
// human (it declares elicitation.url), setup_payment, and top_up when no
// card is saved, ask it to with a URL-mode elicitation, then wait (bounded,
// cancellable, with progress) until the account has the payment method.
// Elsewhere the link is in the result, for the model to relay.
//
// The two rounds are one tools/call: the question carries a state signed
// for this tool and these arguments (single use, ConsentTTL), holding the
// elicitation id, itself signed and bound to the caller's account and the
// checkout session. An answer without that state, with a used, expired or
// forged one, or with another account's is refused: nothing is saved, and
// no wait ends but on the caller's own account.

// checkoutAnswer names the URL elicitation among a call's input requests.
const checkoutAnswer = "checkout"

// DefaultCheckoutWait bounds the wait for the human (Deps.CheckoutWait).
const DefaultCheckoutWait = 10 * time.Minute

// checkoutState is what the question's state carries to the answer.
type checkoutState struct {
	ID  string `json:"id"` // the elicitation id (elicitid)
	URL string `json:"url"`
	// What the account had before: the wait ends on a payment method that
	// was not there then.
	Had bool   `json:"had,omitempty"`
	PM  string `json:"pm,omitempty"`
}

// canSendToCheckout: the client can open the checkout page for the human,
// and its answer comes back to this server.
func (d *Deps) canSendToCheckout(ctx context.Context) bool {
	return toolkit.CanElicitURL(ctx) && (server.IsModernRequest(ctx) || !d.LegacyCannotAsk)
}

// checkoutWait is the wait's bound.
func (d *Deps) checkoutWait() time.Duration {
	if d.CheckoutWait > 0 {
		return d.CheckoutWait
	}
	return DefaultCheckoutWait
}

// subject names the account an elicitation id is bound to: the profile's
// account (by its service and profile when no account id is stored), or
// the multi-tenant caller (by the hash of its key).
func (d *Deps) subject(ctx context.Context) (string, error) {
	if d.Store == nil {
		if id, known := d.identity(ctx); known {
			return "tenant " + id, nil
		}
		return "", errors.New("this server cannot tell whose checkout it would be")
	}
	v, err := d.Store.Get(ctx)
	if err != nil {
		return "", err
	}
	if v.AccountID != "" {
		return "account " + v.AccountID, nil
	}
	return "profile " + d.Store.Target() + "\x00" + d.Store.Profile(), nil
}

// askCheckout opens a checkout session and asks the host to send the human
// to it. consented: the call's own question was already accepted (top_up),
// so the answer's round does not ask it again.
func (d *Deps) askCheckout(ctx context.Context, c *toolkit.Call, consented bool, why string) (*mcp.CallToolResult, error) {
	who, err := d.subject(ctx)
	if err != nil {
		return nil, err
	}
	bal, err := d.client(ctx).Balance(ctx)
	if err != nil {
		return nil, err
	}
	// A write of its own in a call that may have made one (top_up's):
	// its own idempotency key, derived from the call's.
	key := c.Key
	if key == "" {
		key = hqclient.NewIdempotencyKey()
	}
	r, err := d.client(ctx).SetupPayment(hqclient.WithIdempotencyKey(ctx, key+"-checkout"))
	if err != nil {
		return nil, err
	}
	session := r.Data.SessionID
	if session == "" {
		session = r.Data.URL
	}
	id, _ := elicitid.Issue(d.Consent().Signer(), who, session, d.now(), toolkit.ConsentTTL)
	payload, _ := json.Marshal(checkoutState{ID: id, URL: r.Data.URL, Had: bal.Data.HasPaymentMethod, PM: bal.Data.PaymentMethodID})
	state := d.Consent().Seal(c, payload)
	if consented {
		state = d.Consent().Continue(c, payload)
	}
	return server.NewInputRequestBuilder(state).Elicit(checkoutAnswer, mcp.ElicitationParams{
		Mode: mcp.ElicitationModeURL, URL: r.Data.URL, ElicitationID: id,
		Message: why + " Open MyAPIHQ's secure checkout page to save a card: the card details go to the page only, " +
			"never to the agent. The agent waits until the card is saved.",
	}).ToolResult(), nil
}

// checkoutAnswered says whether this call answers a checkout question.
func checkoutAnswered(c *toolkit.Call) *mcp.ElicitationResult {
	return server.ElicitationResponse(c.Request.Params.InputResponses, checkoutAnswer)
}

// checkedOut is a checkout the human completed: its page, and the balance
// that shows the saved card.
type checkedOut struct {
	URL     string
	Balance hqclient.Balance
}

// awaitCheckout takes the human's answer to the checkout question and
// waits for the saved payment method. A result instead is the call's
// answer: refused, declined or not saved in time.
func (d *Deps) awaitCheckout(ctx context.Context, c *toolkit.Call, ans *mcp.ElicitationResult) (*checkedOut, *mcp.CallToolResult, error) {
	c.Uncharged = true // until the card is there, nothing can have been charged
	refused := func(why string) *mcp.CallToolResult {
		return mcp.NewToolResultError(fmt.Sprintf("%s refused: %s. Nothing was saved; call %s again for a new checkout.",
			c.Tool.Name, why, c.Tool.Name))
	}
	payload, valid := d.Consent().Resume(ctx)
	var st checkoutState
	if !valid || json.Unmarshal(payload, &st) != nil || st.ID == "" {
		return nil, refused("the answer is not for a checkout this server asked for (or it was used, or expired)"), nil
	}
	who, err := d.subject(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := elicitid.Verify(d.Consent().Signer(), st.ID, who, d.now()); err != nil {
		return nil, refused(err.Error()), nil
	}
	if ans.Action != mcp.ElicitationResponseActionAccept {
		c.Consent = toolkit.ConsentDeclined
		return nil, mcp.NewToolResultError(fmt.Sprintf("not done: the human did not open the checkout (%s), so no card was saved. "+
			"Do not retry unless they ask.", ans.Action)), nil
	}
	wait := d.checkoutWait()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	// Progress: milliseconds of the wait out of its bound, sent only when
	// they rise (progress must increase).
	start, last, total := time.Now(), 0, int(wait.Milliseconds())
	toolkit.SendProgress(ctx, 0, total, "Waiting for the human to save a card on the checkout page")
	got, err := d.client(ctx).AwaitPaymentMethod(wctx, hqclient.AwaitOptions{
		Before:   &hqclient.Balance{HasPaymentMethod: st.Had, PaymentMethodID: st.PM},
		Interval: d.PollMin, MaxInterval: d.PollMax,
		OnPoll: func(int, hqclient.Balance) {
			if ms := int(time.Since(start).Milliseconds()); ms > last {
				last = ms
				toolkit.SendProgress(ctx, ms, total, fmt.Sprintf("Still waiting for the checkout (%ds)", ms/1000))
			}
		},
	})
	switch {
	case err == nil:
	case ctx.Err() != nil: // the client gave up: the call ends with its request
		return nil, nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, mcp.NewToolResultError(fmt.Sprintf("not done: no card was saved on the checkout page within %s. "+
			"If the human still wants to, call %s again.", wait, c.Tool.Name)), nil
	case errors.Is(err, hqclient.ErrCompletionUnknown):
		return nil, mcp.NewToolResultError(c.Tool.Name + ": a card was already saved, and the service does not say which, so the " +
			"new one cannot be seen: call get_balance to check."), nil
	default:
		return nil, nil, err
	}
	completeElicitation(ctx, st.ID)
	c.Uncharged = false
	return &checkedOut{URL: st.URL, Balance: got.Data}, nil, nil
}

// completeElicitation tells a client of the initialize era that the
// checkout it opened is done (notifications/elicitation/complete). The
// 2026-07-28 era has no such notification: the call's answer says it.
func completeElicitation(ctx context.Context, id string) {
	srv, session := server.ServerFromContext(ctx), server.ClientSessionFromContext(ctx)
	if srv == nil || session == nil || server.IsModernRequest(ctx) {
		return
	}
	_ = srv.SendElicitationComplete(ctx, session, id) // a client gone by now has its answer anyway
}

// summary says which card was saved, for the result.
func (co *checkedOut) summary() string {
	if co.Balance.PaymentMethodID != "" {
		return "The human saved a card (" + textsafe.Quote(co.Balance.PaymentMethodID) + ")."
	}
	return "The human saved a card."
}
