package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The billing toolset: balance, payment method, top-ups.

func billingTools(d *Deps) []toolkit.Tool {
	return []toolkit.Tool{
		{
			Name: "get_balance", Toolset: Billing, Title: "Get balance",
			Meta:        appMeta,
			Output:      outBalance,
			Description: "The prepaid balance and whether a payment method is saved.",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).Balance(ctx)
				if err != nil {
					return nil, err
				}
				next := ""
				if !r.Data.HasPaymentMethod {
					next = d.say(say(" No payment method: setup_payment before top_up.", "setup_payment", "top_up"), say(" No payment method saved."))
				}
				summary := "Balance " + textsafe.Quote(r.Data.BalanceDisplay) + "." + next
				b, line := d.budgetStatus(ctx)
				if b == nil {
					return toolkit.OK(r.Raw, summary)
				}
				if res, spliced := toolkit.OKWith(r.Raw, "budget", b, summary+line); spliced {
					return res, nil
				}
				var v map[string]any
				if err := json.Unmarshal(r.Raw, &v); err != nil {
					return nil, fmt.Errorf("decode service answer: %w", err)
				}
				v["budget"] = b
				return toolkit.OKValue(v, summary+line), nil
			},
		},
		{
			Name: "top_up", Toolset: Billing, Title: "Top up the balance",
			Output: toolkit.Object("new_balance_cents"),
			Description: fmt.Sprintf("Charge the saved card to add funds (needs setup_payment first). At most %s per call: "+
				"a server limit no argument lifts.", money.Dollars(d.Config.TopUpCap())),
			Params: []toolkit.Param{{Name: "amount_cents", Type: "integer", Required: true, Min: toolkit.I64(1), Max: toolkit.I64(d.Config.TopUpCap()),
				Desc: "1000 = $10.00"}},
			Destructive: true, OpenWorld: true, // it spends money: hosts that confirm destructive tools ask
			Charges: func(a toolkit.Args) int64 { return a.Int("amount_cents") },
			Confirm: func(a toolkit.Args) string {
				return "Charge " + money.Dollars(a.Int("amount_cents")) + " to the saved card to top up the MyAPIHQ balance?"
			},
			Audit:   true,
			Handler: d.bind(topUp),
		},
		{
			Name: "setup_payment", Toolset: Billing, Title: "Set up a payment method",
			Output:      toolkit.Object("url"),
			Description: "The human saves a card on a hosted checkout page (the host opens it, or give them the URL). Then top_up works.",
			OpenWorld:   true,
			Handler:     d.bind(setupPayment),
		},
		{
			Name: "confirm_payment_setup", Toolset: Billing, Title: "Confirm a payment method",
			Output:      outObject,
			Description: "Save a payment method by its id (pm_...) when the checkout gave one instead of saving it itself.",
			Params:      []toolkit.Param{{Name: "payment_method_id", Type: "string", Required: true, Pattern: `^pm_\w+$`, MaxLen: 100}},
			Idempotent:  true, OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).ConfirmPaymentSetup(ctx, a.Str("payment_method_id"))
				return answer(r, err, func() string { return "Payment method saved; top_up works now." })
			},
		},
		{
			Name: "get_billing_history", Toolset: Billing, Title: "Get billing history",
			Meta:        appMeta,
			Output:      outList,
			Description: "Recent top-ups, charges and refunds, newest first.",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).BillingHistory(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d billing event(s).", len(r.Data)) })
			},
		},
	}
}

func topUp(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	amount := a.Int("amount_cents")
	if amount > d.Config.TopUpCap() { // the schema says so too; this is the guard
		return mcp.NewToolResultError(fmt.Sprintf("top_up refused: %s is over this server's cap of %s per top-up (--max-topup-cents)",
			money.Dollars(amount), money.Dollars(d.Config.TopUpCap()))), nil
	}
	c := toolkit.CallFrom(ctx)
	saved := ""
	if ans := checkoutAnswered(c); ans != nil { // the human was sent to the checkout first
		done, res, err := d.awaitCheckout(ctx, c, ans)
		if res != nil || err != nil {
			return res, err
		}
		saved = done.summary() + " "
	}
	r, err := d.client(ctx).TopUp(ctx, amount)
	if e, isHQ := hqclient.AsError(err); isHQ && saved == "" && e.Code == "payment_method_required" && d.canSendToCheckout(ctx) {
		// Nothing was charged: the human saves a card, then this call goes on.
		return d.askCheckout(ctx, c, c.Consent == toolkit.ConsentAccepted,
			fmt.Sprintf("Topping up %s needs a saved card, and there is none yet.", money.Dollars(amount)))
	}
	return answer(r, err, func() string {
		return fmt.Sprintf("%sAdded %s; balance now %s.", saved, money.Dollars(amount), textsafe.Quote(r.Data.NewBalanceDisplay))
	})
}

func setupPayment(ctx context.Context, d *Deps, _ toolkit.Args) (*mcp.CallToolResult, error) {
	c := toolkit.CallFrom(ctx)
	if ans := checkoutAnswered(c); ans != nil {
		done, res, err := d.awaitCheckout(ctx, c, ans)
		if res != nil || err != nil {
			return res, err
		}
		out := map[string]any{"url": done.URL, "has_payment_method": done.Balance.HasPaymentMethod}
		if done.Balance.PaymentMethodID != "" {
			out["payment_method_id"] = done.Balance.PaymentMethodID
		}
		return toolkit.OKValue(out, done.summary()+" top_up works now."), nil
	}
	if d.canSendToCheckout(ctx) {
		return d.askCheckout(ctx, c, false, "The agent asks you to save a payment card for your MyAPIHQ account.")
	}
	r, err := d.client(ctx).SetupPayment(ctx)
	return answer(r, err, func() string {
		return "Ask the human to open " + textsafe.Quote(r.Data.URL) + " and save a card; then call get_balance to check."
	})
}
