// Package deploy holds the deployment files; its test checks the
// Kubernetes manifests offline (kubectl is not needed).
package deploy

import (
	"context"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/oauth"
)

// get walks a decoded document: keys for maps, "0" style indexes for lists.
func get(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := int(p[0] - '0')
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func load(t *testing.T) map[string][]map[string]any {
	t.Helper()
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	byKind := map[string][]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := decodeAll(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range docs {
			m, ok := d.(map[string]any)
			if !ok || m["apiVersion"] == nil || m["kind"] == nil {
				t.Fatalf("%s: a document without apiVersion and kind", f)
			}
			kind := m["kind"].(string)
			if kind != "Kustomization" && get(m, "metadata", "name") == nil {
				t.Fatalf("%s: %s without a name", f, kind)
			}
			m["_file"] = filepath.Base(f)
			byKind[kind] = append(byKind[kind], m)
		}
	}
	return byKind
}

// named is the manifest of that kind and name.
func named(t *testing.T, byKind map[string][]map[string]any, kind, name string) map[string]any {
	t.Helper()
	for _, d := range byKind[kind] {
		if get(d, "metadata", "name") == name {
			return d
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

func TestManifests(t *testing.T) {
	byKind := load(t)
	var app map[string]any
	for _, d := range byKind["Deployment"] {
		if get(d, "metadata", "name") == "myapihq-mcp" {
			app = d
		}
		// Every container, Redis's too: non-root, read-only root, no privilege.
		for i, c := range get(d, "spec", "template", "spec", "containers").([]any) {
			sc := get(c, "securityContext")
			if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false || get(sc, "runAsNonRoot") != true {
				t.Errorf("%s container %d: securityContext %v", d["_file"], i, sc)
			}
			if get(c, "resources", "requests", "cpu") == nil || get(c, "resources", "limits", "memory") == nil {
				t.Errorf("%s container %d: no requests/limits", d["_file"], i)
			}
		}
		if get(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pod not runAsNonRoot", d["_file"])
		}
	}
	if app == nil {
		t.Fatal("no myapihq-mcp Deployment")
	}
	if get(app, "spec", "replicas") != int64(3) {
		t.Errorf("replicas = %v, want 3", get(app, "spec", "replicas"))
	}
	c := get(app, "spec", "template", "spec", "containers", "0")
	// The probe paths are the ones remote.Gate serves.
	for probe, want := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		if got := get(c, probe, "httpGet", "path"); got != want {
			t.Errorf("%s path %v, want %s", probe, got, want)
		}
	}
	args := strings.Join(toStrings(get(c, "args")), " ")
	if !strings.Contains(args, "--multi-tenant") {
		t.Errorf("args %q lack --multi-tenant", args)
	}
	// /metrics on a port of its own, which the Service (and so any
	// ingress in front of it) does not expose.
	if !strings.Contains(args, "--metrics-addr 0.0.0.0:9090") || get(app, "spec", "template", "metadata", "annotations", "prometheus.io/port") != "9090" {
		t.Errorf("args %q: /metrics is not on its own port 9090", args)
	}
	for _, svc := range byKind["Service"] {
		for _, p := range get(svc, "spec", "ports").([]any) {
			if tp := get(p, "targetPort"); tp == "metrics" || tp == int64(9090) {
				t.Errorf("%s exposes the metrics port", svc["_file"])
			}
		}
	}
	var stateKey bool
	for _, e := range get(c, "env").([]any) {
		if get(e, "name") == "MYAPI_STATE_KEY" {
			stateKey = get(e, "valueFrom", "secretKeyRef", "name") == "myapihq-mcp"
		}
	}
	if !stateKey {
		t.Error("MYAPI_STATE_KEY does not come from the Secret")
	}
	if g, ok := get(app, "spec", "template", "spec", "terminationGracePeriodSeconds").(int64); !ok || g < 26 {
		t.Errorf("terminationGracePeriodSeconds %v: must cover the drain grace (5s) and the in-flight deadline (20s)", g)
	}
	for _, kind := range []string{"Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Kustomization"} {
		if len(byKind[kind]) == 0 {
			t.Errorf("no %s", kind)
		}
	}
	if get(byKind["HorizontalPodAutoscaler"][0], "spec", "minReplicas") != int64(3) {
		t.Error("HPA minReplicas is not 3")
	}
	// The kustomization names every manifest file, and only those.
	res := toStrings(get(byKind["Kustomization"][0], "resources"))
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(res) != len(files)-1 {
		t.Errorf("kustomization resources %v vs files %v", res, files)
	}
	for _, r := range res {
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Errorf("kustomization names %s: %v", r, err)
		}
	}
}

func TestDecoderRefusesWhatItCannotRead(t *testing.T) {
	for _, bad := range []string{"a: 1\n  b: 2\n", "a: {b: 1\n", "a: 1\na: 2\n", "\ta: 1\n", "a: \"x\n"} {
		if _, err := decodeAll(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	v, err := decodeAll("a:\n  - {x: 1, y: [p, \"q r\"]}\n  - b: true\n    c: x # note\n  - \"say \\\"hi\\\" # not a note\\\\\"\n")
	if err != nil || get(v[0], "a", "0", "y", "1") != "q r" || get(v[0], "a", "1", "c") != "x" || get(v[0], "a", "2") != `say "hi" # not a note\` {
		t.Errorf("decoded %v, %v", v, err)
	}
}

// TestRedisNeedsAPasswordAndOnlyTheServer: the bundled Redis has no
// open default user, its one user's password comes from the Secret (and
// into the server's URL without being written in the spec), only the
// server's pods may connect, and no key a write's safety depends on is
// evicted under memory pressure.
func TestRedisNeedsAPasswordAndOnlyTheServer(t *testing.T) {
	byKind := load(t)
	redis, app := named(t, byKind, "Deployment", "myapihq-mcp-redis"), named(t, byKind, "Deployment", "myapihq-mcp")
	rc := get(redis, "spec", "template", "spec", "containers", "0")
	script := strings.Join(toStrings(get(rc, "args")), " ")
	for _, want := range []string{"user default off", "user myapihq-mcp on >%s", "~myapihq:*", "-@all", `"$REDIS_PASSWORD"`,
		"--aclfile", "--maxmemory-policy noeviction", "--maxmemory 128mb", "--appendonly yes"} {
		if !strings.Contains(script, want) {
			t.Errorf("redis start lacks %q:\n%s", want, script)
		}
	}
	for _, never := range []string{"+@all", "+@dangerous", "+flushall", "+keys", "+config", "volatile", "allkeys", "--requirepass"} {
		if strings.Contains(script, never) {
			t.Errorf("redis start has %q:\n%s", never, script)
		}
	}
	secretRef := func(c any, name string) any {
		envs, _ := get(c, "env").([]any)
		for _, e := range envs {
			if get(e, "name") == name {
				return get(e, "valueFrom", "secretKeyRef")
			}
		}
		return nil
	}
	want := map[string]any{"name": "myapihq-mcp", "key": "redis-password"}
	for _, c := range []any{rc, get(app, "spec", "template", "spec", "containers", "0")} {
		if ref, _ := secretRef(c, "REDIS_PASSWORD").(map[string]any); ref == nil || ref["name"] != want["name"] || ref["key"] != want["key"] || ref["optional"] != nil {
			t.Errorf("REDIS_PASSWORD is not the Secret's redis-password: %v", ref)
		}
	}
	var url string
	for _, e := range get(app, "spec", "template", "spec", "containers", "0", "env").([]any) {
		switch get(e, "name") {
		case "REDIS_PASSWORD":
			if url != "" {
				t.Error("REDIS_PASSWORD comes after MYAPI_REDIS_URL: $(REDIS_PASSWORD) would not be replaced")
			}
		case "MYAPI_REDIS_URL":
			url, _ = get(e, "value").(string)
		}
	}
	if url != "redis://myapihq-mcp:$(REDIS_PASSWORD)@myapihq-mcp-redis:6379/0" {
		t.Errorf("MYAPI_REDIS_URL = %q", url)
	}
	secret := byKind["Secret"][0]
	if get(secret, "stringData", "redis-password") == nil || get(secret, "stringData", "redis-url") != nil {
		t.Errorf("Secret: %v", get(secret, "stringData"))
	}

	// Only the server's pods reach Redis.
	var np map[string]any
	for _, p := range byKind["NetworkPolicy"] {
		if get(p, "spec", "podSelector", "matchLabels", "app.kubernetes.io/name") == "myapihq-mcp-redis" {
			np = p
		}
	}
	if np == nil {
		t.Fatal("no NetworkPolicy selects the Redis pods")
	}
	if types := toStrings(get(np, "spec", "policyTypes")); len(types) != 1 || types[0] != "Ingress" {
		t.Errorf("policyTypes %v", types)
	}
	ingress := get(np, "spec", "ingress").([]any)
	from := get(ingress[0], "from").([]any)
	if len(ingress) != 1 || len(from) != 1 || get(from[0], "podSelector", "matchLabels", "app.kubernetes.io/name") != "myapihq-mcp" ||
		get(from[0], "namespaceSelector") != nil || get(from[0], "ipBlock") != nil || get(ingress[0], "ports", "0", "port") != int64(6379) {
		t.Errorf("ingress %v: want only the server's pods, on 6379", ingress)
	}
	if get(redis, "spec", "template", "metadata", "labels", "app.kubernetes.io/name") == get(app, "spec", "template", "metadata", "labels", "app.kubernetes.io/name") {
		t.Error("Redis and the server share a label: the policy would not tell them apart")
	}
}

// TestKustomizeBuilds: where kubectl is installed, kustomize builds the
// manifests offline (apply --dry-run=client needs a cluster to discover
// the API, so it cannot run here).
func TestKustomizeBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("no kubectl")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, kubectl, "kustomize", "kubernetes").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, kind := range []string{"kind: NetworkPolicy", "kind: Deployment", "kind: Secret"} {
		if !strings.Contains(string(out), kind) {
			t.Errorf("built manifests lack %s", kind)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestOAuthIsRoutedAndConfigured: the server runs as its own OAuth
// authorization server at the public URL the Ingress serves over TLS; the
// Ingress routes every path the OAuth server answers on (oauth.Routes) and
// /mcp, and nothing the cluster keeps to itself (/metrics, the probes);
// the shipped host is a placeholder the server refuses to start on.
func TestOAuthIsRoutedAndConfigured(t *testing.T) {
	byKind := load(t)
	c := get(named(t, byKind, "Deployment", "myapihq-mcp"), "spec", "template", "spec", "containers", "0")
	if args := toStrings(get(c, "args")); !slices.Contains(args, "--oauth") {
		t.Errorf("args %v lack --oauth", args)
	}
	env := map[string]string{}
	for _, e := range get(c, "env").([]any) {
		if v, ok := get(e, "value").(string); ok {
			env[get(e, "name").(string)] = v
		}
	}
	public, err := url.Parse(env["MYAPI_PUBLIC_URL"])
	if err != nil || public.Scheme != "https" || public.Host == "" {
		t.Fatalf("MYAPI_PUBLIC_URL = %q: want the https URL hosts reach", env["MYAPI_PUBLIC_URL"])
	}
	if _, err := oauth.CheckPublicURL(public.String()); err == nil || !strings.Contains(err.Error(), "placeholder") {
		t.Errorf("the server would start on the shipped placeholder %s: %v", public, err)
	}
	for _, cidr := range strings.Split(env["MYAPI_TRUSTED_PROXIES"], ",") {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			t.Errorf("MYAPI_TRUSTED_PROXIES: %v", err)
		}
	}

	if len(byKind["Ingress"]) != 1 {
		t.Fatalf("%d Ingresses, want 1", len(byKind["Ingress"]))
	}
	ing := byKind["Ingress"][0]
	if tlsHosts := toStrings(get(ing, "spec", "tls", "0", "hosts")); !slices.Contains(tlsHosts, public.Hostname()) ||
		get(ing, "spec", "tls", "0", "secretName") == nil {
		t.Errorf("no TLS for %s: %v", public.Hostname(), get(ing, "spec", "tls"))
	}
	rules := get(ing, "spec", "rules").([]any)
	if len(rules) != 1 || get(rules[0], "host") != public.Hostname() {
		t.Fatalf("Ingress rules %v: want one, for %s", rules, public.Hostname())
	}
	svcPort, _ := get(named(t, byKind, "Service", "myapihq-mcp"), "spec", "ports", "0", "name").(string)
	paths := get(rules[0], "http", "paths").([]any)
	routed := func(p string) bool {
		for _, r := range paths {
			path, kind := get(r, "path").(string), get(r, "pathType")
			if kind == "Exact" && p == path || kind == "Prefix" && (p == path || strings.HasPrefix(p, strings.TrimSuffix(path, "/")+"/")) {
				return true
			}
		}
		return false
	}
	for _, r := range paths {
		if get(r, "backend", "service", "name") != "myapihq-mcp" || get(r, "backend", "service", "port", "name") != svcPort {
			t.Errorf("path %v goes to %v, not the server's Service port %s", get(r, "path"), get(r, "backend"), svcPort)
		}
	}
	for _, p := range append(oauth.Routes("/mcp"), "/mcp") {
		if strings.HasSuffix(p, "/") {
			p += "consent" // everything under it
		}
		if !routed(p) {
			t.Errorf("the Ingress does not route %s", p)
		}
	}
	for _, p := range []string{"/metrics", "/healthz", "/readyz", "/", "/mcp/x", "/authorizex"} {
		if routed(p) {
			t.Errorf("the Ingress routes %s", p)
		}
	}
}
