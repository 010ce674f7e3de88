package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Tools for billing and brand imports.

func dollars(c int64) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) }

func billingTools(cfg Config) []Tool {
	return []Tool{
		{
			Name: "get_balance", Toolset: SetBilling, Title: "Get balance",
			Description: "The prepaid balance and whether a payment method is saved.",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.Balance(ctx)
				if err != nil {
					return nil, err
				}
				next := ""
				if !r.Data.HasPaymentMethod {
					next = " No payment method: setup_payment before top_up."
				}
				return ok(r.Raw, "Balance "+r.Data.BalanceDisplay+"."+next)
			},
		},
		{
			Name: "top_up", Toolset: SetBilling, Title: "Top up the balance",
			Description: fmt.Sprintf("Charge the saved card to add funds (needs setup_payment first). At most %s per call: "+
				"a server limit no argument lifts.", dollars(cfg.MaxTopUpCents)),
			Params: []Param{{Name: "amount_cents", Type: "integer", Required: true, Min: i64(1), Max: i64(cfg.MaxTopUpCents),
				Desc: "1000 = $10.00"}},
			OpenWorld: true,
			Confirm: func(a Args) string {
				return "Charge " + dollars(a.Int("amount_cents")) + " to the saved card to top up the MyAPIHQ balance?"
			},
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				amount := a.Int("amount_cents")
				if amount > d.Config.MaxTopUpCents { // the schema says so too; this is the guard
					return mcp.NewToolResultError(fmt.Sprintf("top_up refused: %s is over this server's cap of %s per top-up (--max-topup-cents)",
						dollars(amount), dollars(d.Config.MaxTopUpCents))), nil
				}
				r, err := d.Client.TopUp(ctx, amount)
				return answer(r, err, func() string {
					return fmt.Sprintf("Added %s; balance now %s.", dollars(amount), r.Data.NewBalanceDisplay)
				})
			},
		},
		{
			Name: "setup_payment", Toolset: SetBilling, Title: "Set up a payment method",
			Description: "Get a hosted checkout URL where the human saves a card; give them the URL. Then top_up works.",
			OpenWorld:   true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.SetupPayment(ctx)
				return answer(r, err, func() string {
					return "Ask the human to open " + r.Data.URL + " and save a card; then call get_balance to check."
				})
			},
		},
		{
			Name: "confirm_payment_setup", Toolset: SetBilling, Title: "Confirm a payment method",
			Description: "Save a payment method by its id (pm_...) when the checkout gave one instead of saving it itself.",
			Params:      []Param{{Name: "payment_method_id", Type: "string", Required: true, Pattern: "^pm_[A-Za-z0-9_]+$", MaxLen: 100}},
			Idempotent:  true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.ConfirmPaymentSetup(ctx, a.Str("payment_method_id"))
				return answer(r, err, func() string { return "Payment method saved; top_up works now." })
			},
		},
		{
			Name: "get_billing_history", Toolset: SetBilling, Title: "Get billing history",
			Description: "Recent top-ups, charges and refunds, newest first.",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.BillingHistory(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d billing event(s).", len(r.Data)) })
			},
		},
	}
}

func importTools() []Tool {
	pJob := Param{Name: "job_id", Type: "string", Required: true, MaxLen: 100, Desc: "from import_brand"}
	return []Tool{
		{
			Name: "import_brand", Toolset: SetImports, Title: "Import a brand from a domain",
			Description: "Extract a website's brand kit (name, colors, font, logo) into a new organization; costs a small fee. " +
				"Waits for the job by default, then: review the brand and call confirm_import (unless auto_accept).",
			Params: []Param{
				{Name: "domain", Type: "string", Required: true, Format: "hostname", MaxLen: 253, Desc: "e.g. example.com"},
				{Name: "auto_accept", Type: "boolean", Desc: "create the org without review"},
				{Name: "wait", Type: "boolean", Default: true, Desc: "wait for the job to finish"},
				{Name: "max_wait_seconds", Type: "integer", Min: i64(1), Max: i64(600), Default: int64(60)},
			},
			OpenWorld: true,
			Handler:   importBrand,
		},
		{
			Name: "get_import", Toolset: SetImports, Title: "Get a brand import",
			Description: "Status of a brand import: queued, processing, awaiting_confirmation (then confirm_import), completed or failed.",
			Params:      []Param{pJob},
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.GetImport(ctx, a.Str("job_id"))
				return answer(r, err, func() string { return importSummary(r.Data) })
			},
		},
		{
			Name: "confirm_import", Toolset: SetImports, Title: "Confirm a brand import",
			Description: "Create the organization from an import awaiting confirmation, with optional field overrides.",
			Params:      append([]Param{pJob}, orgParams(false)...),
			OpenWorld:   true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				f, _, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				r, err := d.Client.ConfirmImport(ctx, a.Str("job_id"), f)
				return answer(r, err, func() string {
					return fmt.Sprintf("Created organization %s (%s) from the import.", r.Data.Name, r.Data.ID)
				})
			},
		},
	}
}

func importSummary(j hqclient.ImportJob) string {
	switch j.Status {
	case hqclient.ImportAwaitingConfirmation:
		return fmt.Sprintf("Import %s of %s is ready: review the brand, then confirm_import (with overrides if needed).", j.ID, j.Domain)
	case hqclient.ImportCompleted:
		return fmt.Sprintf("Import %s of %s is complete: organization %s.", j.ID, j.Domain, j.OrgID)
	case hqclient.ImportFailed:
		return fmt.Sprintf("Import %s of %s failed: %s.", j.ID, j.Domain, j.Error)
	}
	return fmt.Sprintf("Import %s of %s is %s: call get_import later.", j.ID, j.Domain, j.Status)
}

var importSteps = map[string]int{hqclient.ImportQueued: 1, hqclient.ImportProcessing: 2}

// importBrand starts the job and, unless wait=false, polls it with backoff
// until it stops moving, the wait runs out or the call is cancelled, with
// progress notifications when the caller asked for them.
func importBrand(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	r, err := d.Client.ImportBrand(ctx, hqclient.ImportRequest{Domain: a.Str("domain"), AutoAccept: a.Bool("auto_accept")})
	if err != nil {
		return nil, err
	}
	job := r.Data
	if !a.Bool("wait") || job.Done() {
		return ok(r.Raw, importSummary(job))
	}
	deadline := time.Now().Add(time.Duration(a.Int("max_wait_seconds")) * time.Second)
	interval := d.PollMin
	progress(ctx, job)
	for !job.Done() {
		if time.Until(deadline) < interval {
			return ok(r.Raw, fmt.Sprintf("Import %s of %s is still %s after %ds: call get_import with job_id %s later.",
				job.ID, job.Domain, job.Status, a.Int("max_wait_seconds"), job.ID))
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return mcp.NewToolResultError(fmt.Sprintf("stopped waiting (%v); import %s continues: call get_import", ctx.Err(), job.ID)), nil
		case <-t.C:
		}
		interval = min(2*interval, d.PollMax)
		if r, err = d.Client.GetImport(ctx, job.ID); err != nil {
			return nil, err
		}
		if r.Data.Status != job.Status {
			progress(ctx, r.Data)
		}
		job = r.Data
	}
	return ok(r.Raw, importSummary(job))
}

// progress sends notifications/progress if the call carried a token.
func progress(ctx context.Context, job hqclient.ImportJob) {
	token := progressToken(ctx)
	if token == nil {
		return
	}
	step, ok := importSteps[job.Status]
	if !ok {
		step = 3
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	_ = srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
		"progressToken": token, "progress": step, "total": 3, "message": "import " + job.ID + ": " + job.Status,
	})
}

type progressKey struct{}

func progressToken(ctx context.Context) mcp.ProgressToken {
	t, _ := ctx.Value(progressKey{}).(mcp.ProgressToken)
	return t
}
