package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

func hqClient(t *testing.T, base string, creds hqclient.Credentials) *hqclient.Client {
	t.Helper()
	c, err := hqclient.New(hqclient.Options{BaseURL: base, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSandboxSurvivesSIGKILL: every change acknowledged with a 2xx is there
// after a kill -9 straight after the last answer, and a restart.
func TestSandboxSurvivesSIGKILL(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	state := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	p := startSandbox(t, "--state", state)

	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c := hqClient(t, p.baseURL, creds)
	a, err := c.CreateAgent(ctx, "durable")
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.PIN, s.Token = a.Data.PIN, a.Data.Token })
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.APIKey = k.Data.APIKey })
	if _, err := c.ConfirmPaymentSetup(ctx, "pm_card_visa"); err != nil {
		t.Fatal(err)
	}
	const orgs, topups = 25, 25
	for i := 0; i < orgs; i++ {
		if _, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr(fmt.Sprintf("org %d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < topups; i++ {
		if _, err := c.TopUp(ctx, 100); err != nil {
			t.Fatal(err)
		}
	}
	p.kill9(t) // right after the last acknowledged write

	p = startSandbox(t, "--state", state)
	c = hqClient(t, p.baseURL, creds) // same credentials: the token and key must still work
	list, err := c.ListOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bal, err := c.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != orgs || bal.Data.BalanceCents != topups*100 || !bal.Data.HasPaymentMethod {
		t.Fatalf("after SIGKILL: %d orgs, %+v; want %d orgs and %d cents", len(list.Data), bal.Data, orgs, topups*100)
	}
	p.stop(t)
}

// TestTwoSandboxProcessesShareState: two processes on one state file take
// interleaved writes; each sees all of them, and neither overwrote the other.
func TestTwoSandboxProcessesShareState(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	state := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	p1 := startSandbox(t, "--state", state)
	p2 := startSandbox(t, "--state", state)

	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c1 := hqClient(t, p1.baseURL, creds)
	c2 := hqClient(t, p2.baseURL, creds)
	a, err := c1.CreateAgent(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.PIN, s.Token = a.Data.PIN, a.Data.Token })
	k, err := c2.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "k"}) // p1's token, accepted by p2
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.APIKey = k.Data.APIKey })
	if _, err := c2.ConfirmPaymentSetup(ctx, "pm_card_visa"); err != nil {
		t.Fatal(err)
	}

	const n = 30
	errs := make(chan error, 2*n)
	for _, c := range []*hqclient.Client{c1, c2} {
		go func() {
			for i := 0; i < n; i++ {
				if _, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr(fmt.Sprintf("o%d", i))}); err != nil {
					errs <- err
					continue
				}
				_, err := c.TopUp(ctx, 7)
				errs <- err
			}
		}()
	}
	for i := 0; i < 2*n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]*hqclient.Client{"p1": c1, "p2": c2} {
		list, err := c.ListOrgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bal, err := c.Balance(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := c.BillingHistory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Data) != 2*n || bal.Data.BalanceCents != 2*n*7 || len(hist.Data) != 2*n {
			t.Fatalf("%s sees %d orgs, %d cents, %d events; want %d, %d, %d", name, len(list.Data), bal.Data.BalanceCents, len(hist.Data), 2*n, 2*n*7, 2*n)
		}
	}
	p1.stop(t)
	p2.stop(t)
}
