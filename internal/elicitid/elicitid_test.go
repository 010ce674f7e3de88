package elicitid

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/signed"
)

func TestIssueVerify(t *testing.T) {
	t.Parallel()
	key := signed.New([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	id, b := Issue(key, "acct_a", "cs_1", now, 10*time.Minute)
	got, err := Verify(key, id, "acct_a", now.Add(time.Minute))
	if err != nil || got.Session != "cs_1" || got.Nonce != b.Nonce || got.Nonce == "" || !got.Expires.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("%+v, %v", got, err)
	}
	if id2, b2 := Issue(key, "acct_a", "cs_1", now, time.Minute); id2 == id || b2.Nonce == b.Nonce {
		t.Fatal("two ids for one session are the same: a nonce is missing")
	}
	for name, c := range map[string]struct {
		key     *signed.Signer
		id, acc string
		at      time.Time
		want    error
	}{
		"another account":    {key, id, "acct_b", now, ErrOtherAccount},
		"expired":            {key, id, "acct_a", now.Add(10 * time.Minute), ErrExpired},
		"another server key": {signed.New([]byte("another key, another server.....")), id, "acct_a", now, ErrForged},
		"empty":              {key, "", "acct_a", now, ErrForged},
		"not ours":           {key, "elicit-123", "acct_a", now, ErrForged},
		"no signature":       {key, strings.SplitN(id, ".", 3)[0] + "." + strings.SplitN(id, ".", 3)[1], "acct_a", now, ErrForged},
		"bad base64":         {key, "ck1.***.***", "acct_a", now, ErrForged},
		"huge":               {key, "ck1." + strings.Repeat("A", 5000) + ".AA", "acct_a", now, ErrForged},
	} {
		if _, err := Verify(c.key, c.id, c.acc, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// TestTamper: changing the session, the expiry or the account tag in the
// payload (re-encoded, signature kept) is refused.
func TestTamper(t *testing.T) {
	t.Parallel()
	key := signed.New([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Now()
	id, _ := Issue(key, "acct_a", "cs_1", now, time.Minute)
	parts := strings.Split(id, ".")
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	for _, edit := range []struct{ from, to string }{{`"cs_1"`, `"cs_2"`}, {`"u":`, `"u":9`}} {
		forged := strings.Replace(string(body), edit.from, edit.to, 1)
		if forged == string(body) {
			t.Fatalf("edit %v did not apply to %s", edit, body)
		}
		fid := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
		if _, err := Verify(key, fid, "acct_a", now); !errors.Is(err, ErrForged) {
			t.Errorf("tampered %v: %v", edit, err)
		}
	}
	// Another account's payload with this id's signature: still refused.
	other, _ := Issue(key, "acct_b", "cs_1", now, time.Minute)
	op := strings.Split(other, ".")
	if _, err := Verify(key, parts[0]+"."+op[1]+"."+parts[2], "acct_b", now); !errors.Is(err, ErrForged) {
		t.Errorf("swapped payload: %v", err)
	}
	// A consent state signed with the same key is not an id.
	if st, _ := key.Seal("consent v1", payload{A: "x", S: "cs_1", U: now.Add(time.Hour).Unix()}); true {
		if _, err := Verify(key, prefix+st, "acct_a", now); !errors.Is(err, ErrForged) {
			t.Errorf("another purpose's token: %v", err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	key := signed.New([]byte("0123456789abcdef0123456789abcdef"))
	id, _ := Issue(key, "acct_a", "cs_1", time.Unix(1e9, 0), time.Hour)
	f.Add(id)
	f.Add("ck1.e30.AA")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Verify(key, s, "acct_a", time.Unix(1e9, 0))
		if err == nil && s != id {
			// only a byte-identical issued id may pass (base64 padding bits aside)
			if again, _ := Verify(key, id, "acct_a", time.Unix(1e9, 0)); again.Nonce != b.Nonce || again.Session != b.Session {
				t.Fatalf("%q verified as %+v", s, b)
			}
		}
	})
}
