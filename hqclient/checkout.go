package hqclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/netguard"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// BadCheckoutURLError: the service's answer named a checkout page no human
// should be sent to. The URL comes from the service (or whatever stands
// between it and us), and the server sends the human there as MyAPIHQ's
// secure checkout page, or asks the model to relay it: so it must be a web
// page over https (plain http only to a loopback service, the sandbox's),
// with no user info (https://myapihq.com@evil.example is evil.example), in
// printable ASCII (no look-alike host, no line break to start a fake
// instruction), and, from a service beyond loopback, not on a loopback or
// private address.
type BadCheckoutURLError struct{ Why string }

func (e *BadCheckoutURLError) Error() string {
	return "the service's checkout URL was refused (" + e.Why + "): nobody was sent to it"
}

// maxCheckoutURL bounds a checkout URL (a hosted checkout's is a few
// hundred characters).
const maxCheckoutURL = 2048

func (c *Client) checkCheckoutURL(raw string) error {
	bad := func(why string) error { return &BadCheckoutURLError{Why: why} }
	if len(raw) > maxCheckoutURL {
		return bad(fmt.Sprintf("longer than %d characters", maxCheckoutURL))
	}
	if !textsafe.PrintableASCII(raw) {
		return bad("not printable ASCII")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return bad("not an absolute web address")
	}
	if u.User != nil {
		return bad("it carries user info")
	}
	base, _ := url.Parse(c.base)
	local := base != nil && loopback.Host(base.Hostname())
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && local && loopback.Host(u.Hostname()):
	default:
		return bad("not https")
	}
	if !local {
		if why := netguard.HostReason(u.Hostname()); why != "" {
			return bad("on " + why)
		}
	}
	return nil
}

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
