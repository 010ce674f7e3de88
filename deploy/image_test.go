package deploy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// dockerfile reads the JSON-form instructions of ../Dockerfile.
func dockerfile(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' || line[0] == ' ' {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		out[word] = strings.TrimSpace(rest)
	}
	return out
}

// TestImageAndDeploymentAgree: the Deployment runs the image's default
// command (its args begin like the Dockerfile's CMD, the entrypoint being
// the bare binary) as the image's user; the image is built from scratch.
func TestImageAndDeploymentAgree(t *testing.T) {
	df := dockerfile(t)
	if df["FROM"] != "scratch" {
		t.Errorf("FROM %s: the image must not pull a base", df["FROM"])
	}
	var entry, cmd []string
	if err := json.Unmarshal([]byte(df["ENTRYPOINT"]), &entry); err != nil || len(entry) != 1 || entry[0] != "/myapihq-mcp" {
		t.Fatalf("ENTRYPOINT %q: want the bare binary, %v", df["ENTRYPOINT"], err)
	}
	if err := json.Unmarshal([]byte(df["CMD"]), &cmd); err != nil {
		t.Fatal(err)
	}
	var app map[string]any
	for _, d := range load(t)["Deployment"] {
		if get(d, "metadata", "name") == "myapihq-mcp" {
			app = d
		}
	}
	c := get(app, "spec", "template", "spec", "containers", "0")
	args := toStrings(get(c, "args"))
	if len(args) < len(cmd) || strings.Join(args[:len(cmd)], " ") != strings.Join(cmd, " ") {
		t.Errorf("Deployment args %q do not begin with the image's CMD %q", args, cmd)
	}
	uid, gid, _ := strings.Cut(df["USER"], ":")
	sc := get(app, "spec", "template", "spec", "securityContext")
	if uid == "0" || uid == "" || get(sc, "runAsUser") != mustInt(t, uid) || get(sc, "runAsGroup") != mustInt(t, gid) {
		t.Errorf("USER %s vs the pod's %v", df["USER"], sc)
	}
	if raw, _ := os.ReadFile("../Dockerfile"); !strings.Contains(string(raw), `io.modelcontextprotocol.server.name="io.github.myapihq/myapihq-mcp"`) {
		t.Error("the image lacks the MCP Registry's ownership label")
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
