package hqclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// TestHostileIDsNeverLeaveTheirEndpoint: an id that could turn into another
// path is refused before any request, and the error does not echo it.
func TestHostileIDsNeverLeaveTheirEndpoint(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := stub(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write([]byte(`{}`)) })
	ctx := context.Background()
	bad := []string{"", ".", "..", "a/b", `a\b`, "a?x=1", "a#f", "a%2e", "%2e%2e", "a\nb", "a\x00", "a\u0085b", "a\x7f"}
	calls := map[string]func(id string) error{
		"DeleteWebhook(hook)": func(id string) error { _, err := c.DeleteWebhook(ctx, "org_1", id); return err },
		"DeleteWebhook(org)":  func(id string) error { _, err := c.DeleteWebhook(ctx, id, "wh_1"); return err },
		"DeleteOrg":           func(id string) error { _, err := c.DeleteOrg(ctx, id); return err },
		"GetImport":           func(id string) error { _, err := c.GetImport(ctx, id); return err },
		"ConfirmImport":       func(id string) error { _, err := c.ConfirmImport(ctx, id, hqclient.OrgFields{}); return err },
		"RevokeKey":           func(id string) error { _, err := c.RevokeKey(ctx, id); return err },
		"AgentBalance":        func(id string) error { _, err := c.AgentBalance(ctx, id); return err },
		"UpdateOrg":           func(id string) error { _, err := c.UpdateOrg(ctx, id, hqclient.OrgFields{}); return err },
	}
	for name, f := range calls {
		for _, id := range bad {
			err := f(id)
			e, ok := hqclient.AsError(err)
			if !ok || e.Code != hqclient.CodeBadPathSegment {
				t.Fatalf("%s(%q): want %s, got %v", name, id, hqclient.CodeBadPathSegment, err)
			}
			if id != "" && strings.Contains(err.Error(), id) {
				t.Fatalf("%s(%q): error echoes the id: %v", name, id, err)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
	// Ordinary ids still work.
	if _, err := c.DeleteWebhook(ctx, "org_AZ-09", "wh_x-y"); err != nil || hits.Load() != 1 {
		t.Fatalf("a valid id was refused: %v", err)
	}
}

// TestDotDotWebhookCannotDeleteTheOrg is the attack as it happened: against
// the sandbox, deleting webhook ".." must leave the org in place.
func TestDotDotWebhookCannotDeleteTheOrg(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	c, _, _ := e.agent("dotdot")
	o, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr("Keep me")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"..", ".", "../..", "%2e%2e"} {
		if _, err := c.DeleteWebhook(ctx, o.Data.ID, id); err == nil {
			t.Fatalf("DeleteWebhook(%q) succeeded", id)
		}
	}
	if _, err := c.GetOrg(ctx, o.Data.ID); err != nil {
		t.Fatalf("the org is gone: %v", err)
	}
}

// TestRedirectsAreNeverFollowed: a 3xx is a typed error naming the status
// and a sanitised Location; neither the redirected DELETE nor a GET's
// credentials reach the target.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(other.Close)
	var orgHits atomic.Int32
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hq/orgs/org_1/webhooks/wh_1":
			http.Redirect(w, r, "/hq/orgs/org_1?token=s3cret#frag", http.StatusTemporaryRedirect)
		case "/hq/orgs/org_1":
			orgHits.Add(1)
			w.Write([]byte(`{}`))
		case "/hq/orgs":
			http.Redirect(w, r, other.URL+"/steal\n\u202eevil", http.StatusFound)
		case "/hq/orgs/org_2":
			http.Redirect(w, r, "/hq/orgs/org_1", http.StatusMovedPermanently)
		}
	})
	ctx := context.Background()

	_, err := c.DeleteWebhook(ctx, "org_1", "wh_1")
	e, ok := hqclient.AsError(err)
	if !ok || e.Code != hqclient.CodeRedirect || e.Status != 307 || e.Retryable {
		t.Fatalf("DELETE redirect: %v", err)
	}
	if !strings.Contains(e.Message, `/hq/orgs/org_1"`) || strings.Contains(e.Message, "s3cret") || strings.Contains(e.Message, "frag") {
		t.Fatalf("Location not named, or not sanitised: %s", e.Message)
	}
	_, err = c.ListOrgs(ctx) // GET to another host
	if e, ok := hqclient.AsError(err); !ok || e.Code != hqclient.CodeRedirect || e.Status != 302 ||
		strings.ContainsAny(e.Message, "\n\u202e") {
		t.Fatalf("GET cross-host redirect: %v", err)
	}
	_, err = c.GetOrg(ctx, "org_2") // GET to another path, same host
	if e, ok := hqclient.AsError(err); !ok || e.Code != hqclient.CodeRedirect || e.Status != 301 {
		t.Fatalf("GET same-host redirect: %v", err)
	}
	if orgHits.Load() != 0 || elsewhere.Load() != 0 {
		t.Fatalf("a redirect was followed: org %d, elsewhere %d", orgHits.Load(), elsewhere.Load())
	}
}

// TestBaseURLWithUserInfoRefused: credentials in the URL are refused and
// never echoed.
func TestBaseURLWithUserInfoRefused(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"https://user:hunter2@api.example.com", "https://hunter2@api.example.com", "http://a:hunter2@127.0.0.1:1/", "https://a:hunter2@[::1"} {
		_, err := hqclient.New(hqclient.Options{BaseURL: u})
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("%q: %v", u, err)
		}
	}
}
