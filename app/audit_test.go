package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/audit"
)

func auditFixture(t *testing.T) *audit.File {
	t.Helper()
	trail := &audit.File{Path: filepath.Join(t.TempDir(), "audit", "audit.jsonl")}
	rec := audit.Recorder{Sink: trail}
	now := time.Now().UTC()
	for _, c := range []struct {
		ago  time.Duration
		call audit.Call
	}{
		{50 * time.Hour, audit.Call{Profile: "default", Service: "sandbox", Tool: "delete_org", Args: map[string]any{"org_id": "org_old"},
			Outcome: audit.Done, Consent: audit.ElicitationAccepted}},
		{2 * time.Hour, audit.Call{Profile: "default", Service: "sandbox", Tool: "top_up", Args: map[string]any{"amount_cents": 2500},
			AmountCents: 2500, Outcome: audit.Done, Consent: audit.ElicitationAccepted}},
		{time.Hour, audit.Call{Profile: "work", Service: "live", Tool: "revoke_key", Args: map[string]any{"key_id": "key_9"},
			Outcome: audit.Declined, Consent: audit.ElicitationDeclined}},
	} {
		at := now.Add(-c.ago)
		rec.Now = func() time.Time { return at }
		if err := rec.Record(context.Background(), c.call, nil); err != nil {
			t.Fatal(err)
		}
	}
	return trail
}

func TestShowAuditTable(t *testing.T) {
	t.Parallel()
	trail := auditFixture(t)
	var out, errOut bytes.Buffer
	if err := ShowAudit(context.Background(), AuditOptions{Since: "24h", Trail: trail}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "org_old") || !strings.Contains(got, "$25.00") || !strings.Contains(got, "elicitation_declined") {
		t.Fatalf("table:\n%s", got)
	}
	if lines := strings.Count(got, "\n"); lines != 3 {
		t.Fatalf("%d lines, want a header and two entries:\n%s", lines, got)
	}
}

func TestShowAuditJSON(t *testing.T) {
	t.Parallel()
	trail := auditFixture(t)
	var out, errOut bytes.Buffer
	if err := ShowAudit(context.Background(), AuditOptions{JSON: true, Trail: trail}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var es []audit.Entry
	if err := json.Unmarshal(out.Bytes(), &es); err != nil || len(es) != 3 || es[0].Tool != "delete_org" || es[2].Profile != "work" {
		t.Fatalf("%v: %s", err, out.String())
	}
}

func TestShowAuditEmptyAndDamaged(t *testing.T) {
	t.Parallel()
	trail := &audit.File{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	var out, errOut bytes.Buffer
	if err := ShowAudit(context.Background(), AuditOptions{Trail: trail}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "No audit entries yet") {
		t.Fatalf("empty: %q", out.String())
	}
	if err := os.WriteFile(trail.Path, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := ShowAudit(context.Background(), AuditOptions{Trail: trail}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "skipped 1 damaged line") {
		t.Fatalf("stderr: %q", errOut.String())
	}
	err := ShowAudit(context.Background(), AuditOptions{Since: "last tuesday", Trail: trail}, &out, &errOut)
	var ce ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("a bad --since: %v", err)
	}
}

// TestAuditCommand: the built binary's `audit` reads the trail beside the
// credential file, and a bad --since is a usage error (exit 2).
func TestAuditCommand(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "myapihq-mcp")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	trail := &audit.File{Path: filepath.Join(home, ".config", "myapihq-mcp", "audit", "audit.jsonl")}
	if err := (audit.Recorder{Sink: trail}).Record(context.Background(), audit.Call{Profile: "default", Tool: "logout",
		Outcome: audit.Done, Consent: audit.Flag}, nil); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "audit", "--since", "1h")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "logout") || !strings.Contains(string(out), "flag") {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	cmd = exec.Command(bin, "audit", "--since", "soon")
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "--since") {
		t.Fatalf("a bad --since: %v\n%s", err, out)
	}
}
