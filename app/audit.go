package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/credentials"
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
