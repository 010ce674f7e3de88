package toolkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// The steps every mode's pipeline is made of, in the order they usually
// stand (tools.Pipeline assembles them; app adds a mode's own). Each is
// small, does one job, and has its own test (steps_test.go).

// Step names, for Pipeline.Insert and Without.
const (
	StepReadOnly    = "read-only"
	StepScope       = "scope"
	StepValidate    = "validate"
	StepIdentity    = "identity"
	StepAudit       = "audit"
	StepRefuse      = "refuse"
	StepConsent     = "consent"
	StepBudget      = "budget"
	StepProgress    = "progress"
	StepFinish      = "finish"
	StepErrors      = "errors"
	StepIdempotency = "idempotency"
)

// ReadOnlyGuard refuses a tool that is not read-only when readOnly:
// defence in depth, since such tools are not even registered then.
func ReadOnlyGuard(readOnly bool) Step {
	return Step{Name: StepReadOnly, What: "refuse a write on a --read-only server (such tools are not even listed)",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if readOnly && !c.Tool.ReadOnly {
				return mcp.NewToolResultError(fmt.Sprintf("%s is disabled: the server runs with --read-only", c.Tool.Name)), nil
			}
			return next(ctx, c)
		}}
}

// Scoping refuses a tool outside what the caller was allowed: granted is
// the caller's scopes (limited false: a caller no scope binds, as an API
// key's bearer), need the one scope a tool needs, read from its fields.
func Scoping(granted func(context.Context) (scopes []string, limited bool), need func(*Tool) string) Step {
	return Step{Name: StepScope, What: "refuse a tool outside the caller's OAuth scopes (--oauth; the gate answers 403 first)",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if scopes, limited := granted(ctx); limited {
				if n := need(c.Tool); n != "" && !slices.Contains(scopes, n) {
					return mcp.NewToolResultError(fmt.Sprintf("%s needs the %s scope, which this connection was not allowed: "+
						"sign in again from the host and allow it.", c.Tool.Name, n)), nil
				}
			}
			return next(ctx, c)
		}}
}

// Validation checks the arguments against the tool's parameters and
// types them (Call.Args), with their canonical form (Call.Canon).
func Validation() Step {
	return Step{Name: StepValidate, What: "check and type the arguments against the tool's parameters; nothing unknown passes",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			args, err := Validate(c.Tool.Params, c.Request.GetArguments())
			if err != nil {
				return mcp.NewToolResultError(fmt.Sprintf("invalid arguments for %s: %v", c.Tool.Name, err)), nil
			}
			canon, _ := json.Marshal(args) // map keys sorted: one string per call
			c.Args, c.Canon = args, string(canon)
			return next(ctx, c)
		}}
}

// Identity names the caller (Call.Client), where the transport tells
// callers apart; a Human tool without one is refused with refusal.
func Identity(who func(context.Context) (string, bool), refusal string) Step {
	return Step{Name: StepIdentity, What: "name the client the call comes from; a human's tools need one",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			c.Client, c.Known = who(ctx)
			if c.Tool.Human && !c.Known {
				return mcp.NewToolResultError(refusal), nil
			}
			return next(ctx, c)
		}}
}

// Auditing records each call of a tool with Audit set once it is decided:
// done, refused, declined or failed, but not while it asks the human (a
// question is not a decision, and the answer comes as the same call
// again). record keeps the entry; what it returns, when the entry could
// not be kept, is added to the result: the call happened all the same,
// and saying so must not invite the model to run it again.
func Auditing(record func(ctx context.Context, c *Call, res *mcp.CallToolResult, err error) (note string)) Step {
	return Step{Name: StepAudit, What: "record a call that moves money, deletes or revokes, once decided (Tool.Audit), with how consent was given",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if !c.Tool.Audit {
				return next(ctx, c)
			}
			res, err := next(ctx, c)
			if res != nil && res.ResultType == mcp.ResultTypeInputRequired {
				return res, err
			}
			if note := record(ctx, c, res, err); note != "" && res != nil {
				addNote(res, note)
			}
			return res, err
		}}
}

// addNote adds a sentence to a result's text, before the JSON repeated as
// text (which stays last, where text-only hosts find it).
func addNote(res *mcp.CallToolResult, note string) {
	n := len(res.Content)
	if res.RawStructuredContent == nil || n == 0 {
		res.Content = append(res.Content, mcp.NewTextContent(note))
		return
	}
	res.Content = append(res.Content[:n-1:n-1], mcp.NewTextContent(note), res.Content[n-1])
}

// Refusals runs the tool's own Refuse check, before any human is asked.
func Refusals() Step {
	return Step{Name: StepRefuse, What: "the tool's own refusal that needs no human (Tool.Refuse), before anyone is asked",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if c.Tool.Refuse != nil {
				if why := c.Tool.Refuse(ctx, c.Args); why != "" {
					return mcp.NewToolResultError(c.Tool.Name + " refused: " + why), nil
				}
			}
			return next(ctx, c)
		}}
}

// Consenting asks the human before a tool with a Confirm question, and
// records how consent was given (Call.Consent).
func Consenting(k *Consent) Step {
	return Step{Name: StepConsent, What: "ask the human (elicitation, signed single-use state) before a tool with a question",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if c.Tool.Confirm != nil {
				if res := k.Decide(ctx, c); res != nil {
					return res, nil
				}
			}
			return next(ctx, c)
		}}
}

// Budget limits what the server may spend across every charging tool.
type Budget interface {
	// Reserve holds cents before a charging call; over the limit it fails
	// with an error that says spent, limit and when room frees.
	Reserve(ctx context.Context, cents int64) (Hold, error)
	Status(ctx context.Context) (spent, limit int64, resetsAt time.Time, err error)
}

// Hold is a reservation: Commit when the money was (or may have been)
// spent, Release when it surely was not.
type Hold interface {
	Commit() error
	Release() error
}

// Spending reserves what a charging tool may spend from b (nil: no limit)
// and settles it after: committed unless the call surely spent nothing
// (refused before the handler, or failed with a known outcome). hint says
// where the limit is set.
func Spending(b Budget, log zerolog.Logger, hint string) Step {
	return Step{Name: StepBudget, What: "reserve what a charging tool may spend from the rolling budget; settle after",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if b == nil || c.Tool.Charges == nil {
				return next(ctx, c)
			}
			cents := c.Tool.Charges(c.Args)
			if cents <= 0 {
				return next(ctx, c)
			}
			hold, err := b.Reserve(ctx, cents)
			if err != nil {
				return mcp.NewToolResultError(fmt.Sprintf("%s refused: %v. Next: tell the user; the limit is %s.", c.Tool.Name, err, hint)), nil
			}
			res, err := next(ctx, c)
			// Any answer may follow a charge (an import that stopped waiting
			// was paid for): only a failure before or at the service
			// releases, a replay (the earlier request's hold counted it), or
			// a call that surely charged nothing (Uncharged).
			asking := res != nil && res.ResultType == mcp.ResultTypeInputRequired // the handler needs the human first
			spent := c.Ran && !asking && !c.Uncharged && !c.Replayed && (!(c.Failed || err != nil) || c.Unknown)
			if spent {
				err2 := hold.Commit()
				logSettle(log, c, spent, err2)
			} else {
				logSettle(log, c, spent, hold.Release())
			}
			return res, err
		}}
}

func logSettle(log zerolog.Logger, c *Call, spent bool, err error) {
	if err != nil {
		log.Error().Err(err).Str("tool", c.Tool.Name).Bool("spent", spent).Msg("spending budget: could not settle a hold")
	}
}

// Progress gives a call that asked for progress its token, and holds its
// answer until every notification it sent is written.
func Progress() Step {
	return Step{Name: StepProgress, What: "carry the call's progress token; its notifications are written before its answer",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if m := c.Request.Params.Meta; m != nil && m.ProgressToken != nil {
				c.progress = &callProgress{token: m.ProgressToken, tracker: progressTrackerFrom(ctx)}
				defer c.progress.flush(ctx)
			}
			return next(ctx, c)
		}}
}

// Finish is the last touch on every result: secrets masked (by name unless
// the call asked to reveal, by value, by shape), the structured content
// repeated as JSON text, and text others wrote marked as such. masker
// gives the call's known secrets.
func Finish(masker func(context.Context) *mask.Masker) Step {
	return Step{Name: StepFinish, What: "mask secrets (by name, value and shape), add the JSON as text, mark text others wrote",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			res, err := next(ctx, c)
			if res == nil {
				return res, err
			}
			m := masker(ctx)
			if c.Args.Bool("reveal") {
				m = m.Revealing()
			}
			MaskResult(m, res)
			WithJSONText(res)
			if c.Tool.Untrusted != "" && !res.IsError {
				MarkUntrusted(res, c.Tool.Untrusted)
			}
			return res, err
		}}
}

// MaskResult masks a result's structured content and texts. An answer
// kept as raw bytes is decoded only when it holds something to mask
// (BenchmarkWrapper/finish_raw in tools prices the check).
func MaskResult(m *mask.Masker, res *mcp.CallToolResult) {
	if sc, isMap := res.StructuredContent.(map[string]any); isMap {
		if pin, shown := sc["unsaved_pin"].(string); shown { // the one secret shown on purpose
			m = m.Without(pin)
		}
	}
	if raw := res.RawStructuredContent; raw != nil && !m.Clean(raw) {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			res.RawStructuredContent, res.StructuredContent = nil, v
		}
	}
	if res.RawStructuredContent == nil && res.StructuredContent != nil {
		res.StructuredContent = m.Value(res.StructuredContent)
	}
	for i, ct := range res.Content {
		if tc, isText := ct.(mcp.TextContent); isText {
			tc.Text = m.Text(tc.Text)
			res.Content[i] = tc
		}
	}
}

// Errors turns the handler's error into what the model should see:
// describe makes a result that says what to do next for the errors the
// model can act on, and returns the others, faults of ours, as they are.
// The notes earlier steps left follow the result's text.
func Errors(describe func(ctx context.Context, tool string, err error) (*mcp.CallToolResult, error)) Step {
	return Step{Name: StepErrors, What: "an error the model can act on becomes a result that says what to do next",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			res, err := next(ctx, c)
			if err == nil {
				return res, nil
			}
			c.Failed = true
			out, ferr := describe(ctx, c.Tool.Name, err)
			if out != nil {
				for _, n := range c.Notes {
					out.Content = append(out.Content, mcp.NewTextContent(n))
				}
			}
			return out, ferr
		}}
}

// OutcomeUnknown is an error that knows whether the write it failed may
// still have been applied (a timeout, a lost answer, a 5xx that the
// service may have acted on).
type OutcomeUnknown interface{ OutcomeUnknown() bool }

// Ambiguous: the write may or may not have happened.
func Ambiguous(err error) bool {
	var u OutcomeUnknown
	return (errors.As(err, &u) && u.OutcomeUnknown()) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// Idempotency gives a write its idempotency key (Call.Key; in ctx by
// withKey, which also makes a replay at the service set Call.Replayed),
// remembered per client when its outcome is unknown, so that the same call
// again is a retry the service replays, not a second write. A pending
// retry's key comes first, then the key a consent answer fixed: a retry
// of a write whose outcome was unknown is asked again (a new answer, a new
// key), and must reuse the key the first attempt may have used.
func Idempotency(store RetryStore, log zerolog.Logger, newKey func() string,
	withKey func(context.Context, *Call) context.Context) Step {
	return Step{Name: StepIdempotency, What: "give a write its idempotency key (a consent answer's, a pending retry's, or new); keep it when the outcome is unknown",
		Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			if c.Tool.ReadOnly || c.Tool.OwnKey {
				return next(ctx, c)
			}
			call := c.Tool.Name + "\x00" + c.Canon
			if c.Known {
				pending, err := store.Take(ctx, c.Client, call)
				if err != nil {
					// Without the record, a retry of a write whose outcome
					// was unknown would get a new key and could apply twice.
					log.Warn().Err(err).Str("tool", c.Tool.Name).Msg("retry store: take failed")
					return mcp.NewToolResultError(fmt.Sprintf("%s not done: the server's record of unfinished writes is "+
						"unavailable, so it cannot tell a retry from a new write: retry shortly with the same arguments.", c.Tool.Name)), nil
				}
				if pending != "" {
					c.Key = pending
				}
			}
			if c.Key == "" {
				c.Key = newKey()
			}
			res, err := next(withKey(ctx, c), c)
			if err == nil && c.Replayed && res != nil && !res.IsError {
				res.Content = append(res.Content, mcp.NewTextContent("Note: this was done already, by an earlier identical "+
					"request; the service answered from its record of it, and nothing was done or charged again."))
			}
			if err == nil || !Ambiguous(err) {
				return res, err
			}
			c.Unknown = true
			if !c.Known {
				// No client identity: a retry cannot be told from another
				// client's call, so it would be a new write.
				c.Notes = append(c.Notes, "WARNING: this connection gives the server no client identity, so a retry is a new "+
					"write: check (list_* or get_billing_history) before retrying.")
			} else if kerr := store.Keep(ctx, c.Client, call, c.Key, PendingKeyTTL); kerr != nil {
				log.Warn().Err(kerr).Str("tool", c.Tool.Name).Msg("retry store: keep failed")
				c.Notes = append(c.Notes, "WARNING: this server could not remember the write's key, so a retry may apply it "+
					"twice: check (list_* or get_billing_history) before retrying.")
			}
			return res, err
		}}
}
