// Package audit is the trail of what the agent did with money and with
// things that cannot be undone: one entry per call of a tool that charges,
// deletes or revokes, saying who (profile or tenant), what (tool, masked
// arguments, amount), how it ended and how the human consented. Local mode
// appends to a private JSON-lines file; the remote mode keeps each tenant's
// trail in Redis with a TTL and in the structured log. No secret enters an
// entry: arguments are masked before they are stored (mask.go).
//
// It knows no MCP types and no tool pipeline: a caller builds a Call from
// what its pipeline saw and hands it to a Recorder.
package audit

import (
	"context"
	"errors"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Outcome is how a call ended.
type Outcome string

const (
	// Done: the service did it.
	Done Outcome = "done"
	// Declined: the human said no when asked.
	Declined Outcome = "declined"
	// Refused: this server would not run it (--require-consent without a
	// way to ask, a spending budget or cap, a guard).
	Refused Outcome = "refused"
	// Failed: the service answered that it did not do it.
	Failed Outcome = "failed"
	// Ambiguous: no answer came (a timeout, a dropped connection), so it
	// may or may not have happened; the idempotency key decides a retry.
	Ambiguous Outcome = "ambiguous"
	// Replayed: the service answered from its idempotency record: an
	// earlier request with the same key did it (and charged for it); this
	// one did nothing again.
	Replayed Outcome = "replayed"
)

// Consent is how the human's consent was given, or why it was not asked.
type Consent string

const (
	// ElicitationAccepted: the host asked the human, who accepted.
	ElicitationAccepted Consent = "elicitation_accepted"
	// ElicitationDeclined: the host asked the human, who declined or cancelled.
	ElicitationDeclined Consent = "elicitation_declined"
	// RequireConsentRefusal: the host cannot ask and the server runs with
	// --require-consent, so the call was refused.
	RequireConsentRefusal Consent = "require_consent_refusal"
	// NoElicitation: the host cannot ask; its own approval of the tool call
	// was the only check.
	NoElicitation Consent = "no_elicitation"
	// NotAsked: the tool puts no question to the human (the host's own
	// approval of the call is the check).
	NotAsked Consent = "not_asked"
	// Flag: the human gave it on the command line (a CLI command such as
	// `auth logout`, or a flag that says yes).
	Flag Consent = "flag"
)

// Entry is one line of the trail.
type Entry struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile,omitempty"`
	// Service names where the call went: "live", "sandbox", or a base URL
	// given with --base-url (without user info, query or fragment).
	Service string `json:"service,omitempty"`
	// Tenant is the remote mode's tenant id (a hash of its key, never the key).
	Tenant string         `json:"tenant,omitempty"`
	Tool   string         `json:"tool"`
	Args   map[string]any `json:"args,omitempty"` // masked and clipped
	// AmountCents is what the call charges or adds (top_up, import_brand), 0 otherwise.
	AmountCents int64   `json:"amount_cents,omitempty"`
	Outcome     Outcome `json:"outcome"`
	Consent     Consent `json:"consent"`
	// Detail is a short, masked reason: the service's error code, why a
	// call was refused.
	Detail string `json:"detail,omitempty"`
}

// Sink stores entries.
type Sink interface {
	Append(ctx context.Context, e Entry) error
}

// Source reads entries at or after since, oldest first, at most limit
// (the newest; <= 0: all).
type Source interface {
	Since(ctx context.Context, since time.Time, limit int) ([]Entry, error)
}

// Call is what a pipeline knows of one audited call, before masking.
type Call struct {
	Profile, Service, Tenant, Tool string
	Args                           map[string]any
	AmountCents                    int64
	Outcome                        Outcome
	Consent                        Consent
	Detail                         string
}

// Recorder turns calls into masked entries and stores them.
type Recorder struct {
	Sink Sink
	Now  func() time.Time // time.Now if nil
}

// Record masks c with m (nil: a masker of no known secret, which still
// hides anything shaped like a key or a token and every secret-named
// argument) and appends it. The error, if any, is a *WriteError whose
// Notice a caller can show the human.
func (r Recorder) Record(ctx context.Context, c Call, m *mask.Masker) error {
	if m == nil {
		m = mask.New()
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	e := Entry{Time: now().UTC().Truncate(time.Millisecond), Profile: textsafe.Clip(m.Text(c.Profile), 100),
		Service: textsafe.Clip(m.Text(c.Service), 200), Tenant: textsafe.Clip(c.Tenant, 100), Tool: textsafe.Clip(c.Tool, 100),
		Args: MaskArgs(c.Args, m), AmountCents: c.AmountCents, Outcome: c.Outcome, Consent: c.Consent,
		Detail: textsafe.Clip(m.Text(c.Detail), maxString)}
	if r.Sink == nil {
		return &WriteError{Err: errors.New("no audit store configured")}
	}
	if err := r.Sink.Append(ctx, e); err != nil {
		if we, isOne := err.(*WriteError); isOne {
			return we
		}
		return &WriteError{Err: err}
	}
	return nil
}

// WriteError is an entry that could not be stored.
type WriteError struct {
	Where string // the file or store, for the log; may be empty
	Err   error
}

func (e *WriteError) Error() string {
	if e.Where == "" {
		return "audit trail not written: " + e.Err.Error()
	}
	return "audit trail not written (" + e.Where + "): " + e.Err.Error()
}

func (e *WriteError) Unwrap() error { return e.Err }

// Notice is the sentence a tool result carries when its call's entry is
// missing: the call happened (or not) all the same, and the human should
// know the trail has a gap.
func (e *WriteError) Notice() string {
	return "Note: this call could not be recorded in the audit trail (" + e.Err.Error() +
		"); `myapihq-mcp audit` will not show it. Free disk space or fix the file's permissions."
}
