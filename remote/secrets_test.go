package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/hqclient"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// The services door adds the caller's own key and masks everything the
// caller holds: key, PIN, and the JWT its client minted from the PIN.
func TestServiceSecretsAreTheCallersOwn(t *testing.T) {
	t.Parallel()
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJlc2lnbmF0dXJl"
	hq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hq/account/agent/token":
			w.Write([]byte(`{"token":"` + jwt + `","expires_in":3600}`))
		case "/hq/billing/balance":
			if r.Header.Get("Authorization") != "Bearer "+jwt {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"balance_cents":5}`))
		default:
			w.Write([]byte(`[]`))
		}
	}))
	defer hq.Close()
	ts := &Tenants{NewClient: func(c hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: hq.URL, Credentials: c, MaxAttempts: 1})
	}}
	ctx := context.Background()
	a, err := ts.Resolve(ctx, "key-of-alice-0001", "pin-of-alice", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ts.Resolve(ctx, "key-of-bob-000002", "", "192.0.2.1")
	if s := a.ServiceSecrets(); s.APIKey != "key-of-alice-0001" || !hasSecret(s.Mask, "pin-of-alice") {
		t.Fatalf("alice: %+v", s)
	}
	if _, err := a.Client().Balance(ctx); err != nil { // mints the JWT
		t.Fatal(err)
	}
	again, _ := ts.Resolve(ctx, "key-of-alice-0001", "pin-of-alice", "192.0.2.1") // another request, same client
	if !hasSecret(again.ServiceSecrets().Mask, jwt) {
		t.Errorf("the minted JWT is not masked: %+v", again.ServiceSecrets().Mask)
	}
	if s := b.ServiceSecrets(); s.APIKey != "key-of-bob-000002" || hasSecret(s.Mask, jwt) || hasSecret(s.Mask, "pin-of-alice") {
		t.Errorf("bob holds alice's secrets: %+v", s)
	}
}

func hasSecret(list []mask.Secret, v string) bool {
	return slices.ContainsFunc(list, func(s mask.Secret) bool { return s.Value == v })
}

// TestResolveErrorsCarryNoKey: an answer that is neither yes nor no is
// logged by the gate; a service that echoes the key it was sent does not
// put it in that log line.
func TestResolveErrorsCarryNoKey(t *testing.T) {
	t.Parallel()
	hq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"cannot serve ` + r.Header.Get("Authorization") + `"}`))
	}))
	defer hq.Close()
	ts := &Tenants{NewClient: func(c hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: hq.URL, Credentials: c, MaxAttempts: 1})
	}}
	_, err := ts.Resolve(context.Background(), "plain-key-of-carol-0003", "", "192.0.2.1")
	if err == nil || strings.Contains(err.Error(), "plain-key-of-carol-0003") || !strings.Contains(err.Error(), "cannot serve") {
		t.Fatalf("%v", err)
	}
	if _, isHQ := hqclient.AsError(err); !isHQ {
		t.Error("the masked error no longer says it came from MyAPIHQ")
	}
}
