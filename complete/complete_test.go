package complete

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func fixed(orgs ...Org) Orgs {
	return func(context.Context) ([]Org, error) { return orgs, nil }
}

func TestOrgIDs(t *testing.T) {
	t.Parallel()
	list := fixed(
		Org{ID: "org_abc", Name: "Northwind Studio"},
		Org{ID: "org_abd", Name: "Acme"},
		Org{ID: "org_x", Name: "north star"},
		Org{ID: "org_bad/../x", Name: "Northern hostile id"}, // never offered
		Org{ID: "org_abc", Name: "duplicate"},
	)
	for prefix, want := range map[string][]string{
		"":        {"org_abc", "org_abd", "org_x"},
		"org_ab":  {"org_abc", "org_abd"},
		"ORG_AB":  {"org_abc", "org_abd"},
		"north":   {"org_abc", "org_x"},
		"zzz":     {},
		"org_x":   {"org_x"},
		" acme  ": {"org_abd"},
	} {
		got, err := OrgIDs(context.Background(), list, prefix)
		if err != nil || !reflect.DeepEqual(got.Values, want) || got.Total != len(want) || got.HasMore {
			t.Errorf("%q: %+v, %v; want %v", prefix, got, err, want)
		}
	}
	if _, err := OrgIDs(context.Background(), func(context.Context) ([]Org, error) { return nil, errors.New("401") }, ""); err == nil {
		t.Error("a failed listing completed")
	}
}

func TestBounded(t *testing.T) {
	t.Parallel()
	var orgs []Org
	for i := range 150 {
		orgs = append(orgs, Org{ID: fmt.Sprintf("org_%03d", i)})
	}
	got, _ := OrgIDs(context.Background(), fixed(orgs...), "org_")
	if len(got.Values) != Max || got.Total != 150 || !got.HasMore {
		t.Fatalf("%d values, total %d, more %v", len(got.Values), got.Total, got.HasMore)
	}
}

func TestServiceHosts(t *testing.T) {
	t.Parallel()
	for prefix, want := range map[string][]string{
		"myd":          {"mydomainapi.com"},
		"www.myemail":  {"myemailapi.com"},
		"api.MYSTOR":   {"mystorageapi.com"},
		"myw":          {"mywebhookapi.com", "myworkflowapi.com"},
		"evil.example": {},
	} {
		if got := ServiceHosts(prefix); !reflect.DeepEqual(got.Values, want) {
			t.Errorf("%q: %v, want %v", prefix, got.Values, want)
		}
	}
	if n := len(ServiceHosts("").Values); n != 7 {
		t.Errorf("all hosts: %d", n)
	}
}

func TestDomainsFromJSON(t *testing.T) {
	t.Parallel()
	orgs, err := FromJSON([]byte(`{"items":[
		{"id":"org_1","name":"A","logo_url":"https://cdn.northwind-traders.com/logo.png","privacy_policy_url":"https://www.northwind-traders.com/privacy"},
		{"id":"org_2","name":"B","website":"acme.io","terms_url":"javascript:alert(1)","description":"https://not-a-url-field.com"},
		{"id":"org_3","name":"C","logo_url":"https://xn--hostile-\u202e.com/x","domain":"Bad Domain With Spaces"}]}`))
	if err != nil || len(orgs) != 3 || orgs[0].ID != "org_1" {
		t.Fatalf("%+v, %v", orgs, err)
	}
	got, err := Domains(context.Background(), fixed(orgs...), "")
	want := []string{"acme.io", "cdn.northwind-traders.com", "northwind-traders.com"}
	if err != nil || !reflect.DeepEqual(got.Values, want) {
		t.Fatalf("%v, %v; want %v", got.Values, err, want)
	}
	if got, _ := Domains(context.Background(), fixed(orgs...), "north"); !reflect.DeepEqual(got.Values, []string{"northwind-traders.com"}) {
		t.Fatalf("prefix: %v", got.Values)
	}
	if bare, err := FromJSON([]byte(`[{"id":"org_9","name":"Z"}]`)); err != nil || len(bare) != 1 {
		t.Fatalf("bare list: %+v %v", bare, err)
	}
	if _, err := FromJSON([]byte(`"nope"`)); err == nil {
		t.Fatal("a string read as organizations")
	}
}

// TestThroughMCP: the provider answers completion/complete through an
// mcp-go server and client, for both templates and the prompt.
func TestThroughMCP(t *testing.T) {
	t.Parallel()
	p := Provider{Orgs: fixed(Org{ID: "org_abc", Name: "Northwind", Domains: []string{"northwind-traders.com"}})}
	s := server.NewMCPServer("t", "1", server.WithCompletions(),
		server.WithResourceCompletionProvider(p), server.WithPromptCompletionProvider(p))
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo: mcp.Implementation{Name: "t", Version: "1"}}}); err != nil {
		t.Fatal(err)
	}
	complete := func(ref any, name, value string) []string {
		t.Helper()
		r, err := c.Complete(ctx, mcp.CompleteRequest{Params: mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteArgument{Name: name, Value: value}}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Completion.Values
	}
	if got := complete(mcp.ResourceReference{Type: "ref/resource", URI: OrgTemplate}, "id", "north"); !reflect.DeepEqual(got, []string{"org_abc"}) {
		t.Errorf("orgs: %v", got)
	}
	if got := complete(mcp.ResourceReference{Type: "ref/resource", URI: ServicesTemplate}, "service", "myf"); !reflect.DeepEqual(got, []string{"myfunnelapi.com"}) {
		t.Errorf("services: %v", got)
	}
	if got := complete(mcp.PromptReference{Type: "ref/prompt", Name: "brand_from_domain"}, "domain", "n"); !reflect.DeepEqual(got, []string{"northwind-traders.com"}) {
		t.Errorf("prompt: %v", got)
	}
	if got := complete(mcp.PromptReference{Type: "ref/prompt", Name: "onboard"}, "x", ""); len(got) != 0 {
		t.Errorf("unknown argument: %v", got)
	}
}
