// Package deploy holds the deployment files; its test checks the
// Kubernetes manifests offline (kubectl is not needed).
package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	v, err := decodeAll("a:\n  - {x: 1, y: [p, \"q r\"]}\n  - b: true\n    c: x # note\n")
	if err != nil || get(v[0], "a", "0", "y", "1") != "q r" || get(v[0], "a", "1", "c") != "x" {
		t.Errorf("decoded %v, %v", v, err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
