package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"90m":                  now.Add(-90 * time.Minute),
		"24h":                  now.Add(-24 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2026-12-01":           time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		"2026-12-01T15:04:05Z": time.Date(2026, 12, 1, 15, 4, 5, 0, time.UTC),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-5h", "3x", "12/01/2026", "\x1b[31m"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("the error echoes a control character: %q", err)
		}
	}
}

// TestWriteTableHostile: arguments come from the model; the table shows
// them as inert text, with no terminal escape or bidi override.
func TestWriteTableHostile(t *testing.T) {
	t.Parallel()
	es := []Entry{
		{Time: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Profile: "default", Tool: "top_up", AmountCents: 2500,
			Args: map[string]any{"amount_cents": 2500}, Outcome: Done, Consent: ElicitationAccepted},
		{Time: time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC), Tenant: "0123456789abcdef0123", Tool: "delete_org",
			Args: map[string]any{"org_id": "org_1\x1b]0;pwned\x07\u202egnp.exe\u200b\u009b31m"}, Outcome: Declined,
			Consent: ElicitationDeclined, Detail: "the user said no\r\nFAKE LINE"},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, es); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u200b", "\u009b", "\r"} {
		if strings.Contains(out, bad) {
			t.Fatalf("table holds %q:\n%s", bad, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 3 {
		t.Fatalf("%d lines, want header + 2:\n%s", lines, out)
	}
	for _, want := range []string{"$25.00", "elicitation_accepted", "0123456789ab", "declined", "the user said no"} {
		if !strings.Contains(out, want) {
			t.Fatalf("table lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := WriteJSON(&buf, es); err != nil {
		t.Fatal(err)
	}
	var back []Entry
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || len(back) != 2 || back[1].Outcome != Declined {
		t.Fatalf("json: %v %+v", err, back)
	}
	buf.Reset()
	WriteJSON(&buf, nil) //nolint:errcheck
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Fatalf("no entries: %q", buf.String())
	}
}

func TestDocument(t *testing.T) {
	t.Parallel()
	b, err := Document(nil, ReadReport{Skipped: 2, Unreadable: []string{"x: is a directory"}})
	if err != nil || string(b) != `{"entries":[],"skipped":2,"unreadable":["x: is a directory"]}` {
		t.Fatalf("%s %v", b, err)
	}
	b, _ = Document([]Entry{{Tool: "top_up", Outcome: Done, Consent: Flag}}, ReadReport{})
	var doc struct{ Entries []Entry }
	if json.Unmarshal(b, &doc) != nil || len(doc.Entries) != 1 || strings.Contains(string(b), "skipped") {
		t.Fatalf("%s", b)
	}
}
