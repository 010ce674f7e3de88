package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The imports toolset: brand kits extracted from a website.

// ImportPriceCents is what one brand import may charge (the sandbox's price;
// the spending budget reserves it before the call).
const ImportPriceCents = 25

// untrustedWeb: a brand kit is scraped from a website.
const untrustedWeb = "a website (scraped brand kit)"

func importTools(d *Deps) []toolkit.Tool {
	pJob := toolkit.IDParam("job_id", "from import_brand")
	return []toolkit.Tool{
		{
			Name: "import_brand", Toolset: Imports, Title: "Import a brand from a domain",
			Output: outImport,
			Description: "Extract a website's brand kit (name, colors, font, logo) into a new organization; costs a small fee. " +
				"Waits for the job by default, then: review the brand and call confirm_import (unless auto_accept).",
			Params: []toolkit.Param{
				{Name: "domain", Type: "string", Required: true, Format: "hostname", MaxLen: 253, Desc: "e.g. example.com"},
				{Name: "auto_accept", Type: "boolean", Desc: "create the org without review"},
				{Name: "wait", Type: "boolean", Default: true, Desc: "wait for the job to finish"},
				{Name: "max_wait_seconds", Type: "integer", Min: toolkit.I64(1), Max: toolkit.I64(600), Default: int64(60)},
			},
			Destructive: true, OpenWorld: true, Untrusted: untrustedWeb, // it spends money: hosts that confirm destructive tools ask
			Charges: func(toolkit.Args) int64 { return ImportPriceCents },
			Audit:   true,
			Handler: d.bind(importBrand),
		},
		{
			Name: "get_import", Toolset: Imports, Title: "Get a brand import",
			Meta:        appMeta,
			Output:      outImport,
			Description: "Status of a brand import: queued, processing, awaiting_confirmation (then confirm_import), completed or failed.",
			Params:      []toolkit.Param{pJob},
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Untrusted: untrustedWeb,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).GetImport(ctx, a.Str("job_id"))
				return answer(r, err, func() string { return d.importSummary(r.Data) })
			},
		},
		{
			Name: "confirm_import", Toolset: Imports, Title: "Confirm a brand import",
			Output:      outOrg,
			Description: "Create the organization from an import awaiting confirmation, with optional field overrides.",
			Params:      append([]toolkit.Param{pJob}, brandParams()...),
			OpenWorld:   true, Untrusted: untrustedWeb,
			Audit: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				f, _, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				r, err := d.client(ctx).ConfirmImport(ctx, a.Str("job_id"), f)
				return answer(r, err, func() string {
					return fmt.Sprintf("Created organization %s (%s) from the import.", textsafe.Quote(r.Data.Name), textsafe.Quote(r.Data.ID))
				})
			},
		},
	}
}

func (d *Deps) importSummary(j hqclient.ImportJob) string {
	switch j.Status {
	case hqclient.ImportAwaitingConfirmation:
		return fmt.Sprintf("Import %s of %s is ready", textsafe.Quote(j.ID), textsafe.Quote(j.Domain)) + d.say(
			say(": review the brand, then confirm_import (with overrides if needed).", "confirm_import"),
			say(" and awaits confirmation, which this server does not offer."))
	case hqclient.ImportCompleted:
		return fmt.Sprintf("Import %s of %s is complete: organization %s.", textsafe.Quote(j.ID), textsafe.Quote(j.Domain), textsafe.Quote(j.OrgID))
	case hqclient.ImportFailed:
		return fmt.Sprintf("Import %s of %s failed: %s.", textsafe.Quote(j.ID), textsafe.Quote(j.Domain), textsafe.Quote(j.Error))
	}
	return fmt.Sprintf("Import %s of %s is %s: call get_import later.", textsafe.Quote(j.ID), textsafe.Quote(j.Domain), textsafe.Quote(j.Status))
}

var importSteps = map[string]int{hqclient.ImportQueued: 1, hqclient.ImportProcessing: 2}

// importBrand starts the job and, unless wait=false, polls it with backoff
// until it stops moving, the wait runs out or the call is cancelled, with
// progress notifications when the caller asked for them.
func importBrand(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	r, err := d.client(ctx).ImportBrand(ctx, hqclient.ImportRequest{Domain: a.Str("domain"), AutoAccept: a.Bool("auto_accept")})
	if err != nil {
		return nil, err
	}
	job := r.Data
	if !a.Bool("wait") || job.Done() {
		return toolkit.OK(r.Raw, d.importSummary(job))
	}
	deadline := time.Now().Add(time.Duration(a.Int("max_wait_seconds")) * time.Second)
	interval := d.PollMin
	progress(ctx, job)
	for !job.Done() {
		if time.Until(deadline) < interval {
			return toolkit.OK(r.Raw, fmt.Sprintf("Import %s of %s is still %s after %ds: call get_import with job_id %s later.",
				textsafe.Quote(job.ID), textsafe.Quote(job.Domain), textsafe.Quote(job.Status), a.Int("max_wait_seconds"), textsafe.Quote(job.ID)))
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return mcp.NewToolResultError(fmt.Sprintf("stopped waiting (%v); import %s continues: call get_import", ctx.Err(), textsafe.Quote(job.ID))), nil
		case <-t.C:
		}
		interval = min(2*interval, d.PollMax)
		next, err := d.client(ctx).GetImport(ctx, job.ID)
		if err != nil {
			// The job exists and was paid for: report it, not a failure.
			return toolkit.OK(r.Raw, fmt.Sprintf("Import %s of %s is %s; checking on it failed (%s): call get_import with job_id %s later.",
				textsafe.Quote(job.ID), textsafe.Quote(job.Domain), textsafe.Quote(job.Status), d.explain("get_import", err), textsafe.Quote(job.ID)))
		}
		r = next
		if r.Data.Status != job.Status {
			progress(ctx, r.Data)
		}
		job = r.Data
	}
	return toolkit.OK(r.Raw, d.importSummary(job))
}

// progress reports the job's step, if the call asked for progress.
func progress(ctx context.Context, job hqclient.ImportJob) {
	step, ok := importSteps[job.Status]
	if !ok {
		step = 3
	}
	// The service's words, quoted like a summary line's: hosts show progress
	// to the user and to the model.
	toolkit.SendProgress(ctx, step, 3, "import "+textsafe.Quote(job.ID)+": "+textsafe.Quote(job.Status))
}
