package toolkit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// Each step alone, around a stand-in for the rest of the pipeline.

// run runs step on a call of t with args; rest stands for what follows
// (nil: a success). It returns the result and whether rest ran.
func run(t *testing.T, step Step, tool Tool, args map[string]any, rest Next) (*mcp.CallToolResult, *Call, bool, error) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = tool.Name, args
	c := &Call{Tool: &tool, Request: &req, Args: Args{}}
	if a, err := Validate(tool.Params, args); err == nil {
		c.Args = a
	}
	ran := false
	res, err := step.Run(context.WithValue(context.Background(), callKey{}, c), c, func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
		ran = true
		if rest == nil {
			return mcp.NewToolResultText("done"), nil
		}
		return rest(ctx, c)
	})
	return res, c, ran, err
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

var write = Tool{Name: "top_up", Params: []Param{{Name: "amount_cents", Type: "integer", Required: true}}}
var read = Tool{Name: "get_balance", ReadOnly: true}

func TestReadOnlyGuard(t *testing.T) {
	t.Parallel()
	res, _, ran, _ := run(t, ReadOnlyGuard(true), write, nil, nil)
	if ran || !res.IsError || !strings.Contains(text(res), "--read-only") {
		t.Fatalf("a write passed a read-only server: %v %s", ran, text(res))
	}
	if _, _, ran, _ := run(t, ReadOnlyGuard(true), read, nil, nil); !ran {
		t.Fatal("a read was refused")
	}
	if _, _, ran, _ := run(t, ReadOnlyGuard(false), write, nil, nil); !ran {
		t.Fatal("a write was refused without --read-only")
	}
}

func TestScopingStep(t *testing.T) {
	t.Parallel()
	need := func(t *Tool) string { // the mapping app reads from the tool table
		if t.ReadOnly {
			return "read"
		}
		return "write"
	}
	readOnly := func(context.Context) ([]string, bool) { return []string{"read"}, true }
	res, _, ran, _ := run(t, Scoping(readOnly, need), write, nil, nil)
	if ran || !res.IsError || !strings.Contains(text(res), "top_up needs the write scope") {
		t.Fatalf("a write ran on a read-only grant: %v %s", ran, text(res))
	}
	if _, _, ran, _ := run(t, Scoping(readOnly, need), read, nil, nil); !ran {
		t.Fatal("a read was refused on a read grant")
	}
	none := func(context.Context) ([]string, bool) { return []string{}, true }
	if _, _, ran, _ := run(t, Scoping(none, need), read, nil, nil); ran {
		t.Fatal("a grant of no scope ran a tool")
	}
	unbound := func(context.Context) ([]string, bool) { return nil, false }
	if _, _, ran, _ := run(t, Scoping(unbound, need), write, nil, nil); !ran {
		t.Fatal("a caller no scope binds (an API key) was refused")
	}
}

func TestValidationStep(t *testing.T) {
	t.Parallel()
	res, _, ran, _ := run(t, Validation(), write, map[string]any{"amount_cents": "lots"}, nil)
	if ran || !strings.Contains(text(res), "invalid arguments for top_up") {
		t.Fatalf("bad arguments passed: %s", text(res))
	}
	_, c, ran, _ := run(t, Validation(), write, map[string]any{"amount_cents": 700.0}, nil)
	if !ran || c.Args.Int("amount_cents") != 700 || c.Canon != `{"amount_cents":700}` {
		t.Fatalf("args %v canon %q", c.Args, c.Canon)
	}
}

func TestIdentityStep(t *testing.T) {
	t.Parallel()
	nobody := func(context.Context) (string, bool) { return "", false }
	human := Tool{Name: "login", Human: true}
	res, _, ran, _ := run(t, Identity(nobody, "no identity here"), human, nil, nil)
	if ran || text(res) != "no identity here" {
		t.Fatalf("a human's tool ran without a client identity: %s", text(res))
	}
	if _, c, ran, _ := run(t, Identity(nobody, "x"), read, nil, nil); !ran || c.Known {
		t.Fatal("a tool without a human was refused")
	}
	alice := func(context.Context) (string, bool) { return "alice", true }
	if _, c, ran, _ := run(t, Identity(alice, "x"), human, nil, nil); !ran || c.Client != "alice" || !c.Known {
		t.Fatalf("identity not recorded: %+v", c)
	}
}

func TestRefusalsStep(t *testing.T) {
	t.Parallel()
	tool := Tool{Name: "rotate_key", Refuse: func(context.Context, Args) string { return "the key is in the environment" }}
	res, _, ran, _ := run(t, Refusals(), tool, nil, nil)
	if ran || text(res) != "rotate_key refused: the key is in the environment" {
		t.Fatalf("%v %s", ran, text(res))
	}
	if _, _, ran, _ := run(t, Refusals(), read, nil, nil); !ran {
		t.Fatal("a tool without Refuse was refused")
	}
}

// TestConsentingWithoutElicitation: a host that cannot ask leaves the
// host's own approval as the check, unless --require-consent; either way
// Call.Consent says which. (Asking, and answers bound to the question, are
// tested through a real client in tools/safety_test.go.)
func TestConsentingWithoutElicitation(t *testing.T) {
	t.Parallel()
	guarded := Tool{Name: "delete_org", Confirm: func(Args) string { return "Delete?" }}
	_, c, ran, _ := run(t, Consenting(NewConsent(Consent{})), guarded, nil, nil)
	if !ran || c.Consent != ConsentHostPolicy {
		t.Fatalf("ran %v, consent %q", ran, c.Consent)
	}
	res, c, ran, _ := run(t, Consenting(NewConsent(Consent{Require: true})), guarded, nil, nil)
	if ran || c.Consent != ConsentRefused || !strings.Contains(text(res), "--require-consent") {
		t.Fatalf("ran %v, consent %q: %s", ran, c.Consent, text(res))
	}
	if _, c, ran, _ := run(t, Consenting(NewConsent(Consent{Require: true})), read, nil, nil); !ran || c.Consent != "" {
		t.Fatal("a tool without a question was held")
	}
}

type fakeBudget struct {
	refuse           error
	committed, freed int
	reserved         int64
}

func (b *fakeBudget) Reserve(_ context.Context, cents int64) (Hold, error) {
	if b.refuse != nil {
		return nil, b.refuse
	}
	b.reserved += cents
	return fakeHold{b, cents}, nil
}

func (b *fakeBudget) Status(context.Context) (int64, int64, time.Time, error) {
	return 0, 0, time.Time{}, nil
}

type fakeHold struct {
	b     *fakeBudget
	cents int64
}

func (h fakeHold) Commit() error  { h.b.committed++; return nil }
func (h fakeHold) Release() error { h.b.freed++; return nil }

type unknownOutcome struct{}

func (unknownOutcome) Error() string        { return "lost answer" }
func (unknownOutcome) OutcomeUnknown() bool { return true }

// TestSpendingStep: a charge is held before the handler and committed
// unless the call surely spent nothing.
func TestSpendingStep(t *testing.T) {
	t.Parallel()
	charging := write
	charging.Charges = func(a Args) int64 { return a.Int("amount_cents") }
	args := map[string]any{"amount_cents": 700.0}
	ran := func(err error) Next {
		return func(_ context.Context, c *Call) (*mcp.CallToolResult, error) {
			c.Ran, c.Failed, c.Unknown = true, err != nil, Ambiguous(err)
			return nil, err
		}
	}
	for _, tc := range []struct {
		name             string
		rest             Next
		committed, freed int
	}{
		{"success", ran(nil), 1, 0},
		{"a failure at the service", ran(errors.New("402")), 0, 1},
		{"an unknown outcome", ran(unknownOutcome{}), 1, 0},
		{"refused before the handler", func(context.Context, *Call) (*mcp.CallToolResult, error) { return mcp.NewToolResultError("no"), nil }, 0, 1},
		{"the handler says nothing was charged", func(_ context.Context, c *Call) (*mcp.CallToolResult, error) {
			c.Ran, c.Uncharged = true, true
			return mcp.NewToolResultError("not done: declined"), nil
		}, 0, 1},
		{"the handler asks the human first", func(_ context.Context, c *Call) (*mcp.CallToolResult, error) {
			c.Ran = true
			return Ask("Save a card first?", "state"), nil
		}, 0, 1},
	} {
		b := &fakeBudget{}
		run(t, Spending(b, zerolog.Nop(), "--max-spend-cents"), charging, args, tc.rest)
		if b.reserved != 700 || b.committed != tc.committed || b.freed != tc.freed {
			t.Errorf("%s: reserved %d, committed %d, freed %d", tc.name, b.reserved, b.committed, b.freed)
		}
	}
	res, _, rest, _ := run(t, Spending(&fakeBudget{refuse: errors.New("over the limit")}, zerolog.Nop(), "--max-spend-cents"), charging, args, nil)
	if rest || !strings.Contains(text(res), "top_up refused: over the limit. Next: tell the user; the limit is --max-spend-cents") {
		t.Fatalf("over budget: %s", text(res))
	}
	if _, _, rest, _ := run(t, Spending(nil, zerolog.Nop(), ""), charging, args, nil); !rest {
		t.Fatal("no budget held the call")
	}
}

func TestProgressStep(t *testing.T) {
	t.Parallel()
	if _, c, ran, _ := run(t, Progress(), read, nil, nil); !ran || c.progress != nil {
		t.Fatal("a call without a progress token got one")
	}
	tool := read
	step := Progress()
	req := mcp.CallToolRequest{}
	req.Params.Meta = &mcp.Meta{ProgressToken: "p1"}
	c := &Call{Tool: &tool, Request: &req}
	_, _ = step.Run(context.Background(), c, func(context.Context, *Call) (*mcp.CallToolResult, error) { return nil, nil })
	if c.progress == nil || c.progress.token != "p1" {
		t.Fatalf("progress token not carried: %+v", c.progress)
	}
}

// TestFinishStep: a secret is masked by value and shape, the JSON repeated
// as text, and text others wrote marked; a clean answer keeps its bytes.
func TestFinishStep(t *testing.T) {
	t.Parallel()
	const pin = "the-stored-pin-0001"
	m := func(context.Context) *mask.Masker { return mask.New(mask.Secret{Kind: mask.PIN, Value: pin}) }
	tool := Tool{Name: "get_org", Untrusted: "a website"}
	res, _, _, _ := run(t, Finish(m), tool, nil, func(context.Context, *Call) (*mcp.CallToolResult, error) {
		return OK(json.RawMessage(`{"note":"pin `+pin+`","k":"hq_live_abcdefghijkl"}`), "Org with pin "+pin)
	})
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), pin) || strings.Contains(string(b), "abcdefghijkl") {
		t.Fatalf("a secret passed: %s", b)
	}
	if len(res.Content) != 2 || !strings.Contains(text(res), `"note":"pin ••••0001"`) || res.Meta.AdditionalFields[UntrustedMetaKey] == nil {
		t.Fatalf("not finished: %s", b)
	}
	clean, _, _, _ := run(t, Finish(m), read, nil, func(context.Context, *Call) (*mcp.CallToolResult, error) {
		return OK(json.RawMessage(`{"balance_cents":0}`), "Balance")
	})
	if clean.StructuredContent != nil || string(clean.RawStructuredContent) != `{"balance_cents":0}` {
		t.Fatalf("a clean answer was decoded: %+v", clean)
	}
}

func TestErrorsStep(t *testing.T) {
	t.Parallel()
	describe := func(_ context.Context, tool string, err error) (*mcp.CallToolResult, error) {
		if err.Error() == "fault" {
			return nil, err
		}
		return mcp.NewToolResultError(tool + " failed: " + err.Error()), nil
	}
	res, c, _, err := run(t, Errors(describe), write, nil, func(_ context.Context, c *Call) (*mcp.CallToolResult, error) {
		c.Notes = append(c.Notes, "WARNING: check first")
		return nil, errors.New("402")
	})
	if err != nil || !c.Failed || text(res) != "top_up failed: 402WARNING: check first" {
		t.Fatalf("%v %v %q", err, c.Failed, text(res))
	}
	if _, _, _, err := run(t, Errors(describe), write, nil, func(context.Context, *Call) (*mcp.CallToolResult, error) {
		return nil, errors.New("fault")
	}); err == nil {
		t.Fatal("a fault of ours became a result")
	}
}

type fakeRetries struct {
	keys    map[string]string
	takeErr error
	kept    int
}

func (f *fakeRetries) Take(_ context.Context, client, call string) (string, error) {
	k := f.keys[client+call]
	delete(f.keys, client+call)
	return k, f.takeErr
}

func (f *fakeRetries) Keep(_ context.Context, client, call, key string, _ time.Duration) error {
	f.keys[client+call] = key
	f.kept++
	return nil
}

func (f *fakeRetries) Drop(context.Context, string) error { return nil }

type keyCtx struct{}

// TestIdempotencyStep: a write gets a key in its context; an unknown
// outcome keeps it for the same call from the same client, which then
// gets it again.
func TestIdempotencyStep(t *testing.T) {
	t.Parallel()
	store := &fakeRetries{keys: map[string]string{}}
	n := 0
	step := Idempotency(store, zerolog.Nop(), func() string { n++; return "key-" + string(rune('0'+n)) },
		func(ctx context.Context, c *Call) context.Context { return context.WithValue(ctx, keyCtx{}, c.Key) })
	seen := ""
	lost := func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
		seen = ctx.Value(keyCtx{}).(string)
		return nil, unknownOutcome{}
	}
	call := func(rest Next) *Call {
		req := mcp.CallToolRequest{}
		c := &Call{Tool: &write, Request: &req, Canon: `{"amount_cents":700}`, Client: "alice", Known: true}
		_, _ = step.Run(context.Background(), c, rest)
		return c
	}
	first := call(lost)
	if seen != "key-1" || !first.Unknown || store.kept != 1 {
		t.Fatalf("first: key %q, unknown %v, kept %d", seen, first.Unknown, store.kept)
	}
	if again := call(lost); seen != "key-1" || again.Key != "key-1" {
		t.Fatalf("the retry got a new key: %q", seen)
	}
	req := mcp.CallToolRequest{}
	c := &Call{Tool: &read, Request: &req}
	_, _ = step.Run(context.Background(), c, func(context.Context, *Call) (*mcp.CallToolResult, error) { return nil, nil })
	if c.Key != "" {
		t.Fatal("a read got a key")
	}
	anon := &Call{Tool: &write, Request: &req}
	_, _ = step.Run(context.Background(), anon, lost)
	if len(anon.Notes) != 1 || !strings.Contains(anon.Notes[0], "no client identity") {
		t.Fatalf("no warning without an identity: %v", anon.Notes)
	}
	// A consent answer's key is used when no retry is pending; a pending
	// retry's key wins over it (the first attempt may have used that one).
	answered := func(rest Next) *Call {
		c := &Call{Tool: &write, Request: &req, Canon: `{"amount_cents":900}`, Client: "alice", Known: true, Key: "from-consent"}
		_, _ = step.Run(context.Background(), c, rest)
		return c
	}
	if c := answered(lost); seen != "from-consent" || c.Key != "from-consent" {
		t.Fatalf("the consent answer's key was not used: %q", seen)
	}
	if c := answered(lost); seen != "from-consent" || c.Key != "from-consent" {
		t.Fatalf("the pending key: %q", seen)
	}
	store.keys["alice"+"top_up\x00"+`{"amount_cents":900}`] = "pending"
	if answered(lost); seen != "pending" {
		t.Fatalf("a retry asked again used the new answer's key %q, not the pending one", seen)
	}
	store.takeErr = errors.New("redis down")
	res, err := step.Run(context.Background(), &Call{Tool: &write, Request: &req, Client: "a", Known: true}, lost)
	if err != nil || res == nil || !strings.Contains(text(res), "not done") {
		t.Fatalf("a write ran without its retry record: %v", err)
	}
}

// TestReplayIsNoSecondCharge: when the service answers from its
// idempotency record, the call says so and its budget hold is released:
// the earlier request's hold counted the charge.
func TestReplayIsNoSecondCharge(t *testing.T) {
	t.Parallel()
	charging := write
	charging.Charges = func(a Args) int64 { return a.Int("amount_cents") }
	b := &fakeBudget{}
	step := Idempotency(&fakeRetries{keys: map[string]string{}}, zerolog.Nop(), func() string { return "k" },
		func(ctx context.Context, c *Call) context.Context { return ctx })
	replayed := func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
		return step.Run(ctx, c, func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
			c.Ran, c.Replayed = true, true // as the hub's client reports Idempotent-Replayed
			return mcp.NewToolResultText("Added $7.00"), nil
		})
	}
	res, c, _, _ := run(t, Spending(b, zerolog.Nop(), ""), charging, map[string]any{"amount_cents": 700.0}, replayed)
	if b.committed != 0 || b.freed != 1 || !c.Replayed {
		t.Fatalf("a replay: committed %d, freed %d", b.committed, b.freed)
	}
	if !strings.Contains(text(res), "nothing was done or charged again") {
		t.Fatalf("the replay is not said: %s", text(res))
	}
}

func TestPipelineIsData(t *testing.T) {
	t.Parallel()
	p := Pipeline{Validation(), Progress()}
	audit := Step{Name: "audit", What: "record the call"}
	p2 := p.Insert(StepProgress, audit)
	if got := strings.Join(p2.Names(), ","); got != "validate,audit,progress" {
		t.Fatalf("Insert: %s", got)
	}
	if got := strings.Join(p2.Insert("", Step{Name: "last"}).Names(), ","); got != "validate,audit,progress,last" {
		t.Fatalf("Insert at the end: %s", got)
	}
	if got := strings.Join(p2.Without("audit").Names(), ","); got != "validate,progress" || len(p.Names()) != 2 {
		t.Fatalf("Without: %s (the original changed: %v)", got, p.Names())
	}
	if s := p2.String(); !strings.Contains(s, "2. audit     record the call") || !strings.Contains(s, "handler") {
		t.Fatalf("String:\n%s", s)
	}
	// The steps run in order, outermost first, around the handler.
	var order []string
	step := func(name string) Step {
		return Step{Name: name, Run: func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error) {
			order = append(order, name)
			return next(ctx, c)
		}}
	}
	h := Pipeline{step("a"), step("b")}.Handler(Tool{Name: "t", Handler: func(ctx context.Context, _ Args) (*mcp.CallToolResult, error) {
		order = append(order, "handler")
		if CallFrom(ctx) == nil {
			t.Error("the handler cannot see its call")
		}
		return nil, nil
	}})
	_, _ = h(context.Background(), mcp.CallToolRequest{})
	if strings.Join(order, ",") != "a,b,handler" {
		t.Fatalf("order: %v", order)
	}
}

// TestAuditingStep: a call of an audited tool is recorded once it is
// decided, not while it asks; a trail that could not be written is said in
// the result, before the JSON text that stays last; other tools are not
// recorded.
func TestAuditingStep(t *testing.T) {
	t.Parallel()
	var recorded []string
	record := func(_ context.Context, c *Call, _ *mcp.CallToolResult, _ error) string {
		recorded = append(recorded, c.Tool.Name)
		return "Note: not recorded"
	}
	audited := Tool{Name: "delete_org", Audit: true}
	asking := func(context.Context, *Call) (*mcp.CallToolResult, error) { return Ask("Delete?", "state"), nil }
	if res, _, _, _ := run(t, Auditing(record), audited, nil, asking); !res.NeedsInput() || len(recorded) != 0 {
		t.Fatalf("a question was recorded: %v", recorded)
	}
	withJSON := func(context.Context, *Call) (*mcp.CallToolResult, error) {
		return WithJSONText(OKValue(map[string]any{"id": "org_1"}, "Deleted.")), nil
	}
	res, _, _, _ := run(t, Auditing(record), audited, nil, withJSON)
	if len(recorded) != 1 || len(res.Content) != 3 || res.Content[1].(mcp.TextContent).Text != "Note: not recorded" ||
		res.Content[2].(mcp.TextContent).Text != `{"id":"org_1"}` {
		t.Fatalf("recorded %v, content %+v", recorded, res.Content)
	}
	if _, _, ran, _ := run(t, Auditing(record), read, nil, nil); !ran || len(recorded) != 1 {
		t.Fatalf("a tool without Audit was recorded: %v", recorded)
	}
}

// TestConsentContinues: a state Continue signed (the human accepted this
// call's question, and the handler needs another round) lets the call
// through without asking again, with its payload, once; a question's
// plain state does not stand for an answer.
func TestConsentContinues(t *testing.T) {
	t.Parallel()
	k := NewConsent(Consent{})
	guarded := Tool{Name: "top_up", Params: write.Params, Confirm: func(Args) string { return "Charge?" }}
	caps := &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}}
	canElicit := server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{Modern: true, ClientCapabilities: caps})
	try := func(state string) (*mcp.CallToolResult, *Call, bool) {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments, req.Params.RequestState = guarded.Name, map[string]any{"amount_cents": 100.0}, state
		c := &Call{Tool: &guarded, Request: &req, Args: Args{"amount_cents": int64(100)}, Canon: `{"amount_cents":100}`}
		ran := false
		res, _ := Consenting(k).Run(context.WithValue(canElicit, callKey{}, c), c, func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
			ran = true
			if p, ok := k.Resume(ctx); !ok || string(p) != `{"checkout":"cs_1"}` {
				t.Errorf("payload %s %v", p, ok)
			}
			return nil, nil
		})
		return res, c, ran
	}
	of := func(canon string) *Call { return &Call{Tool: &guarded, Canon: canon} }
	next := k.Continue(of(`{"amount_cents":100}`), json.RawMessage(`{"checkout":"cs_1"}`))
	if _, c, ran := try(next); !ran || c.Consent != ConsentAccepted || c.Key == "" {
		t.Fatalf("the continued call was held (%q), or has no key of its own (%q)", c.Consent, c.Key)
	}
	if res, _, ran := try(next); ran || !res.NeedsInput() {
		t.Fatal("a continued state counted twice")
	}
	if res, _, ran := try(k.Seal(of(`{"amount_cents":100}`), nil)); ran || !res.NeedsInput() {
		t.Fatal("a question's state without its answer let the call through")
	}
	if _, _, ran := try(k.Continue(of(`{"amount_cents":5000}`), nil)); ran {
		t.Fatal("a continued state for other arguments let the call through")
	}
}

func TestCanElicitURL(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		caps     *mcp.ElicitationCapability
		form, on bool
	}{
		"none":                    {nil, false, false},
		"elicitation {} is forms": {&mcp.ElicitationCapability{}, true, false},
		"url":                     {&mcp.ElicitationCapability{URL: &struct{}{}}, true, true},
		"form and url":            {&mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}, true, true},
	} {
		ctx := server.WithRequestProtocolInfo(context.Background(), &server.RequestProtocolInfo{Modern: true,
			ClientCapabilities: &mcp.ClientCapabilities{Elicitation: c.caps}})
		if CanElicit(ctx) != c.form || CanElicitURL(ctx) != c.on {
			t.Errorf("%s: CanElicit %v, CanElicitURL %v", name, CanElicit(ctx), CanElicitURL(ctx))
		}
	}
}
