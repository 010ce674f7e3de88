package signed

import (
	"errors"
	"strings"
	"testing"
)

type value struct {
	A string `json:"a"`
	N int    `json:"n"`
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	s := New([]byte("0123456789abcdef0123456789abcdef"))
	tok, err := s.Seal("consent v1", value{"x", 7})
	if err != nil {
		t.Fatal(err)
	}
	var got value
	if err := s.Open("consent v1", tok, &got); err != nil || got != (value{"x", 7}) {
		t.Fatalf("%+v, %v", got, err)
	}
	body, sig, _ := strings.Cut(tok, ".")
	other, _ := New([]byte("another key, another server.....")).Seal("consent v1", value{"x", 7})
	for name, c := range map[string]struct{ purpose, tok string }{
		"another purpose":  {"url elicitation v1", tok},
		"another key":      {"consent v1", other},
		"no signature":     {"consent v1", body},
		"changed body":     {"consent v1", enc.EncodeToString([]byte(`{"a":"y","n":7}`)) + "." + sig},
		"bad base64":       {"consent v1", "***.***"},
		"empty":            {"consent v1", ""},
		"huge":             {"consent v1", strings.Repeat("A", MaxToken) + "." + sig},
		"signature of ...": {"consent v1", body + "." + enc.EncodeToString([]byte("short"))},
	} {
		if err := s.Open(c.purpose, c.tok, &got); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRandomKeyPerSigner(t *testing.T) {
	t.Parallel()
	tok, _ := New(nil).Seal("p", value{})
	if err := New(nil).Open("p", tok, &value{}); !errors.Is(err, ErrForged) {
		t.Fatalf("two random-key signers accept each other: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	s := New([]byte("0123456789abcdef0123456789abcdef"))
	tok, _ := s.Seal("p", value{"x", 1})
	f.Add(tok)
	f.Add("e30.AA")
	f.Fuzz(func(t *testing.T, in string) {
		var v value
		if s.Open("p", in, &v) == nil && v != (value{"x", 1}) {
			t.Fatalf("%q opened as %+v", in, v)
		}
	})
}
