package hqclient

import (
	"context"
	"errors"
	"time"
)

// ErrCompletionUnknown: the account already had a payment method when the
// wait began and the service does not say which one is saved, so a new
// card cannot be told from the old one by polling.
var ErrCompletionUnknown = errors.New("a payment method was already saved and the service does not say which: " +
	"a new one cannot be told from it")

// AwaitOptions shape AwaitPaymentMethod.
type AwaitOptions struct {
	// Before is the balance read before the human was sent to the checkout
	// (nil: read now). The wait ends when a payment method appears that
	// was not there then.
	Before *Balance
	// Interval between polls (default 2 s; the client's Sleep waits it),
	// doubling after each poll up to MaxInterval (default: Interval): a
	// human who is quick is seen at once, a slow one costs few requests.
	Interval, MaxInterval time.Duration
	// OnPoll, if set, hears each poll's answer (for progress notifications).
	OnPoll func(polls int, b Balance)
}

// AwaitPaymentMethod polls GET /hq/billing/balance until the checkout the
// human was sent to has saved a payment method: has_payment_method turns
// true, or, when the service names the method, a different one is named.
// The reference offers no checkout status, so this is the whole signal
// (docs/api.md, "Checkout completion"). It reads this client's own
// account only, so a checkout completed by another account never ends the
// wait. It stops with ctx: the caller bounds it with a deadline and
// cancels it when the human declines.
func (c *Client) AwaitPaymentMethod(ctx context.Context, o AwaitOptions) (*Response[Balance], error) {
	interval := o.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	before := o.Before
	if before == nil {
		r, err := c.Balance(ctx)
		if err != nil {
			return nil, err
		}
		before = &r.Data
	}
	if before.HasPaymentMethod && before.PaymentMethodID == "" {
		return nil, ErrCompletionUnknown
	}
	maxInterval := max(o.MaxInterval, interval)
	for polls := 1; ; polls++ {
		if err := c.opts.Sleep(ctx, interval); err != nil {
			return nil, err
		}
		interval = min(2*interval, maxInterval)
		r, err := c.Balance(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if o.OnPoll != nil {
			o.OnPoll(polls, r.Data)
		}
		named := r.Data.PaymentMethodID != "" && r.Data.PaymentMethodID != before.PaymentMethodID
		if r.Data.HasPaymentMethod && (!before.HasPaymentMethod || named) {
			return r, nil
		}
	}
}
