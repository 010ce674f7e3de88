package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// ParseSince reads --since: a duration back from now ("90m", "24h", "7d"),
// a date ("2026-12-01", midnight UTC) or a time (RFC 3339).
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if days, found := strings.CutSuffix(s, "d"); found {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 36500 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %s: give a duration (90m, 24h, 7d), a date (2026-12-01) or a time (2026-12-01T15:04:05Z)", textsafe.Quote(s))
}

// WriteJSON prints the entries as one JSON array.
func WriteJSON(w io.Writer, es []Entry) error {
	if es == nil {
		es = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(es)
}

// WriteTable prints the entries for a terminal, newest last. Every field
// is printable text: arguments come from the model, and a control or bidi
// character in them must not drive the terminal or reorder the line.
func WriteTable(w io.Writer, es []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tPROFILE\tTOOL\tAMOUNT\tOUTCOME\tCONSENT\tARGUMENTS")
	for _, e := range es {
		who := e.Profile
		if who == "" {
			who = e.Tenant
			if len(who) > 12 {
				who = who[:12]
			}
		}
		amount := "-"
		if e.AmountCents != 0 {
			amount = money.Dollars(e.AmountCents)
		}
		args := ""
		if len(e.Args) > 0 {
			b, _ := json.Marshal(e.Args)
			args = string(b)
		}
		if e.Detail != "" {
			args = strings.TrimSpace(args + " (" + e.Detail + ")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format("2006-01-02 15:04:05"),
			cell(who, 20), cell(e.Tool, 20), amount, cell(string(e.Outcome), 10), cell(string(e.Consent), 24), cell(args, 80))
	}
	return tw.Flush()
}

func cell(s string, n int) string {
	if s = textsafe.Line(s, n); s == "" {
		return "-"
	}
	return s
}

// Document is the trail as the myapihq://audit resource serves it:
// {"entries": [...], "skipped": N, "unreadable": [...]}, newest last. What
// could not be read is said, never fatal: a damaged trail still shows the
// rest, and a read never waits on it.
func Document(es []Entry, rep ReadReport) ([]byte, error) {
	if es == nil {
		es = []Entry{}
	}
	doc := struct {
		Entries    []Entry  `json:"entries"`
		Skipped    int      `json:"skipped,omitempty"`
		Unreadable []string `json:"unreadable,omitempty"`
	}{es, rep.Skipped, rep.Unreadable}
	return json.Marshal(doc)
}
