package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// AuditTrail is the local audit trail, in its own folder beside the
// credential file and the spending ledgers: one trail for every profile
// and service of the user (each entry names them).
func AuditTrail() (*audit.File, error) {
	creds, err := credentials.DefaultFilePath()
	if err != nil {
		return nil, fmt.Errorf("no folder for the audit trail: %w", err)
	}
	return &audit.File{Path: filepath.Join(filepath.Dir(creds), "audit", "audit.jsonl")}, nil
}

// AuditOptions are the choices of `myapihq-mcp audit`.
type AuditOptions struct {
	JSON  bool
	Since string           // as audit.ParseSince reads it; "" for all
	Now   func() time.Time // time.Now if nil
	Trail *audit.File      // AuditTrail() if nil
}

// ShowAudit prints the local audit trail, oldest first: a table, or JSON.
// Lines it cannot read are counted on stderr, never fatal: a damaged file
// must not hide the rest of the trail.
func ShowAudit(ctx context.Context, o AuditOptions, stdout, stderr io.Writer) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	since, err := audit.ParseSince(o.Since, now())
	if err != nil {
		return ConfigError{Err: err}
	}
	trail := o.Trail
	if trail == nil {
		if trail, err = AuditTrail(); err != nil {
			return err
		}
	}
	es, rep, err := trail.Read(ctx, since, 0)
	if err != nil {
		return fmt.Errorf("read the audit trail: %w", err)
	}
	for _, u := range rep.Unreadable {
		fmt.Fprintf(stderr, "myapihq-mcp: audit: skipped an unreadable file: %s\n", u)
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(stderr, "myapihq-mcp: audit: skipped %d damaged line(s) in %s\n", rep.Skipped, trail.Path)
	}
	if o.JSON {
		return audit.WriteJSON(stdout, es)
	}
	if len(es) == 0 {
		what := "yet"
		if o.Since != "" {
			what = "since " + since.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "No audit entries %s (%s).\n", what, trail.Path)
		return nil
	}
	return audit.WriteTable(stdout, es)
}

// localTrail is the stdio and http modes' trail: the user's file, for
// every call of this process (nil when no folder can hold it: each
// audited call then says its entry was not written).
func (a *App) localTrail() func(context.Context) tools.Trail {
	f, err := AuditTrail()
	if err != nil {
		a.Log.Error().Err(err).Msg("audit trail: no file; audited calls will say so")
		return func(context.Context) tools.Trail { return nil }
	}
	return func(context.Context) tools.Trail { return f }
}

// tenantTrail is one tenant's trail in the multi-tenant mode: its Redis
// list (when the replicas share a Redis) and the structured log, where the
// operators read everything else.
type tenantTrail struct {
	redis *audit.TenantTrail // nil without Redis
	log   audit.Log
}

func (t tenantTrail) Append(ctx context.Context, e audit.Entry) error {
	sinks := audit.Tee{t.log}
	if t.redis != nil {
		sinks = append(sinks, t.redis)
	}
	return sinks.Append(ctx, e)
}

var errTrailInLogOnly = errors.New("this server keeps the audit trail in its log only (it runs without --redis)")

func (t tenantTrail) Since(ctx context.Context, since time.Time, limit int) ([]audit.Entry, error) {
	if t.redis == nil {
		return nil, errTrailInLogOnly
	}
	return t.redis.Since(ctx, since, limit)
}

// remoteTrail gives each request its tenant's trail.
func (a *App) remoteTrail(identity func(context.Context) (string, bool)) func(context.Context) tools.Trail {
	var store *audit.Redis
	if a.Redis != nil {
		store = &audit.Redis{C: a.Redis.C, Prefix: a.Redis.Prefix}
	}
	log := audit.Log{L: a.Log}
	return func(ctx context.Context) tools.Trail {
		id, ok := identity(ctx)
		if !ok {
			return nil
		}
		t := tenantTrail{log: log}
		if store != nil {
			t.redis = store.Tenant(id)
		}
		return t
	}
}

// consoleAudit is the embedded sandbox console's view of the trail: the
// entries of calls made against a sandbox, newest last.
func consoleAudit(ctx context.Context) ([]sandbox.AuditRow, error) {
	f, err := AuditTrail()
	if err != nil {
		return nil, err
	}
	es, _, err := f.Read(ctx, time.Time{}, 0)
	if err != nil {
		return nil, err
	}
	var rows []sandbox.AuditRow
	for _, e := range es {
		if e.Service != "sandbox" {
			continue
		}
		args := ""
		if len(e.Args) > 0 {
			b, _ := json.Marshal(e.Args)
			args = string(b)
		}
		rows = append(rows, sandbox.AuditRow{Time: e.Time, Profile: e.Profile, Tool: e.Tool, Outcome: string(e.Outcome),
			Consent: string(e.Consent), Args: args, AmountCents: e.AmountCents})
	}
	return rows, nil
}

// cliOutcome is how a command's call ended, for the trail.
func cliOutcome(err error) (audit.Outcome, string) {
	switch {
	case err == nil:
		return audit.Done, "from the command line"
	case toolkit.Ambiguous(err):
		return audit.Ambiguous, err.Error()
	}
	return audit.Failed, err.Error()
}

// recordFlag records a command the human ran (auth logout, auth
// rotate-key) in the local trail, as the tool of the same name would be:
// the command line is the human's consent. A trail that cannot be written
// is said on stderr; the command's own outcome stands.
func recordFlag(ctx context.Context, cfg Config, profile, tool string, outcome audit.Outcome, detail string,
	store *credentials.Store, stderr io.Writer) {
	var secrets []mask.Secret
	if store != nil { // what is stored now (a rotated key included) never enters the entry
		if v, gerr := store.Get(ctx); gerr == nil {
			secrets = []mask.Secret{{Kind: mask.PIN, Value: v.PIN}, {Kind: mask.Key, Value: v.APIKey}, {Kind: mask.Token, Value: v.Token}}
		}
	}
	var sink audit.Sink
	if f, ferr := AuditTrail(); ferr == nil {
		sink = f
	}
	rec := audit.Call{Profile: profile, Service: tools.ServiceName(cfg.Sandbox, cfg.BaseURL), Tool: tool, Outcome: outcome,
		Consent: audit.Flag, Detail: detail}
	if werr := (audit.Recorder{Sink: sink}).Record(ctx, rec, mask.New(secrets...)); werr != nil {
		fmt.Fprintf(stderr, "myapihq-mcp: %v\n", werr)
	}
}
