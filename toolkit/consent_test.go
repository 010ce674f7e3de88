package toolkit

import (
	"context"
	"strings"
	"testing"
)

// TestConsentAnswerFixesItsKey: two replicas with one state key derive
// the same Idempotency-Key from one answer, so a replay that passes their
// nonce stores is the same request at the service; another key, another
// answer or the nonce alone give another key.
func TestConsentAnswerFixesItsKey(t *testing.T) {
	t.Parallel()
	key := []byte("a state key shared by the replicas, 32+")
	r1, r2 := NewConsent(Consent{Key: key}), NewConsent(Consent{Key: key})
	k := r1.IdempotencyKey("nonce-1")
	if k != r2.IdempotencyKey("nonce-1") {
		t.Fatal("two replicas derive two keys from one answer")
	}
	for _, other := range []string{r1.IdempotencyKey("nonce-2"), NewConsent(Consent{}).IdempotencyKey("nonce-1")} {
		if other == k {
			t.Fatal("another answer or another state key gives the same key")
		}
	}
	if strings.Contains(k, "nonce-1") || len(k) > 255 || !strings.HasPrefix(k, "idem_") {
		t.Fatalf("key %q", k)
	}
}

// TestConsentIsBoundToTheCaller: a state asked of one caller does not
// open for another, even on a replica that never saw it.
func TestConsentIsBoundToTheCaller(t *testing.T) {
	t.Parallel()
	key := []byte("a state key shared by the replicas, 32+")
	alice := &Call{Tool: &write, Canon: `{"amount_cents":500}`, Client: "alice", Known: true}
	bob := &Call{Tool: &write, Canon: alice.Canon, Client: "bob", Known: true}
	state := NewConsent(Consent{Key: key}).Seal(alice, nil)
	if _, ok := NewConsent(Consent{Key: key}).Open(context.Background(), bob, state); ok {
		t.Fatal("another caller's answer opened")
	}
	if _, ok := NewConsent(Consent{Key: key}).Open(context.Background(), alice, state); !ok {
		t.Fatal("the caller's own answer did not open on another replica")
	}
}
