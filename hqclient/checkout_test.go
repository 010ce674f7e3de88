package hqclient_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// TestAwaitPaymentMethod: the wait ends when this account's checkout is
// completed, not when another account completes its own; a replaced card
// ends a second wait; cancelling ends it with nothing saved.
func TestAwaitPaymentMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	a, _, _ := e.agent("a")
	b, _, _ := e.agent("b")
	setupA, err := a.SetupPayment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	setupB, err := b.SetupPayment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if setupA.Data.SessionID == "" || !strings.Contains(setupA.Data.URL, setupA.Data.SessionID) {
		t.Fatalf("setup: %+v", setupA.Data)
	}
	complete := func(u string) {
		if err := sandbox.CompleteCheckout(ctx, http.DefaultClient, u); err != nil {
			t.Error(err)
		}
	}
	var polls int
	r, err := a.AwaitPaymentMethod(ctx, hqclient.AwaitOptions{OnPoll: func(n int, bal hqclient.Balance) {
		polls = n
		switch n {
		case 1:
			complete(setupB.Data.URL) // another account's checkout
		case 3:
			if bal.HasPaymentMethod {
				t.Errorf("poll 3: account a has a card it never saved: %+v", bal)
			}
			complete(setupA.Data.URL)
		case 10:
			t.Fatal("the wait did not end")
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if polls != 4 || !r.Data.HasPaymentMethod || !strings.HasPrefix(r.Data.PaymentMethodID, "pm_") {
		t.Fatalf("after %d polls: %+v", polls, r.Data)
	}
	first := r.Data

	// A second checkout replaces the card: the wait sees the new id.
	again, err := a.SetupPayment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err = a.AwaitPaymentMethod(ctx, hqclient.AwaitOptions{Before: &first, OnPoll: func(n int, _ hqclient.Balance) {
		if n == 2 {
			complete(again.Data.URL)
		}
	}})
	if err != nil || r.Data.PaymentMethodID == first.PaymentMethodID {
		t.Fatalf("replaced card: %+v, %v", r, err)
	}

	// The human declines: the caller cancels, nothing is returned.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err = b.AwaitPaymentMethod(cctx, hqclient.AwaitOptions{OnPoll: func(n int, _ hqclient.Balance) {
		if n == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}

	// Without a payment method id, an old card and a new one look alike.
	if _, err := a.AwaitPaymentMethod(ctx, hqclient.AwaitOptions{Before: &hqclient.Balance{HasPaymentMethod: true}}); !errors.Is(err, hqclient.ErrCompletionUnknown) {
		t.Fatalf("want ErrCompletionUnknown, got %v", err)
	}
}
