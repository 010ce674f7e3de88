package packaging

import (
	"bytes"
	"debug/macho"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// manifest is what the checks read of an MCPB manifest.
type manifest struct {
	ManifestVersion string `json:"manifest_version"`
	Name, Version   string
	Icon            string
	Server          struct {
		Type       string
		EntryPoint string `json:"entry_point"`
		MCPConfig  struct {
			Command           string
			Args              []string
			Env               map[string]string
			PlatformOverrides map[string]struct{ Command string } `json:"platform_overrides"`
		} `json:"mcp_config"`
	}
	Tools      []struct{ Name, Description string }
	UserConfig map[string]struct {
		Type      string
		Default   any
		Sensitive bool
	} `json:"user_config"`
}

// TestManifestTemplate: the template maps each user setting onto the
// server's MYAPI_* variable, every setting has a default (an unset one
// would reach the server as the literal "${user_config.x}"), and none is a
// secret: the server keeps secrets in the keyring.
func TestManifestTemplate(t *testing.T) {
	var m manifest
	readJSON(t, "mcpb/manifest.json", &m)
	want := map[string]string{"sandbox": "MYAPI_SANDBOX", "profile": "MYAPI_PROFILE", "read_only": "MYAPI_READ_ONLY", "max_spend_cents": "MYAPI_MAX_SPEND_CENTS"}
	if len(m.UserConfig) != len(want) || len(m.Server.MCPConfig.Env) != len(want) {
		t.Errorf("user_config %v, env %v", m.UserConfig, m.Server.MCPConfig.Env)
	}
	for key, env := range want {
		uc, ok := m.UserConfig[key]
		if !ok || uc.Default == nil || uc.Sensitive {
			t.Errorf("user_config.%s: %+v", key, uc)
		}
		if got := m.Server.MCPConfig.Env[env]; got != "${user_config."+key+"}" {
			t.Errorf("%s = %q", env, got)
		}
	}
	if m.ManifestVersion != "0.3" || m.Server.Type != "binary" || m.Server.EntryPoint != "server/darwin/myapihq-mcp" ||
		m.Server.MCPConfig.Command != "${__dirname}/server/darwin/myapihq-mcp" ||
		m.Server.MCPConfig.PlatformOverrides["win32"].Command != "${__dirname}/server/win32/myapihq-mcp.exe" ||
		m.Server.MCPConfig.PlatformOverrides["linux"].Command != "${__dirname}/server/linux/myapihq-mcp" {
		t.Errorf("server: %+v", m.Server)
	}
}

// TestBundle: the release's bundle holds the manifest, the icon and one
// executable per OS (macOS's universal: both CPUs), validated by the
// pinned official MCPB CLI, and its tools are the binary's own.
func TestBundle(t *testing.T) {
	r := dist(t)
	es := readArchive(t, r.path("myapihq-mcp_"+r.version+".mcpb"))
	got := names(es)
	sort.Strings(got)
	want := []string{"icon.png", "manifest.json", "server/darwin/myapihq-mcp", "server/linux/myapihq-mcp", "server/win32/myapihq-mcp.exe"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("bundle holds %v, want %v", got, want)
	}
	for _, name := range want[2:] {
		e, _ := find(es, name)
		if e.mode.Perm() != 0o755 {
			t.Errorf("%s: mode %v, want 0755 (a host keeps the zip's bits)", name, e.mode)
		}
		reproducibleBuild(t, name, e.data, r.version)
	}
	e, _ := find(es, "server/darwin/myapihq-mcp")
	fat, err := macho.NewFatFile(bytes.NewReader(e.data))
	if err != nil {
		t.Fatalf("the macOS binary is not universal: %v", err)
	}
	var cpus []string
	for _, a := range fat.Arches {
		cpus = append(cpus, a.Cpu.String())
	}
	if sort.Strings(cpus); strings.Join(cpus, ",") != "CpuAmd64,CpuArm64" {
		t.Errorf("universal binary for %v", cpus)
	}
	e, _ = find(es, "server/linux/myapihq-mcp")
	binaryFor(t, "linux entry", e.data, "linux", "amd64")
	e, _ = find(es, "server/win32/myapihq-mcp.exe")
	binaryFor(t, "win32 entry", e.data, "windows", "amd64")

	unpacked := t.TempDir()
	for _, e := range es {
		p := filepath.Join(unpacked, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, e.data, e.mode.Perm()); err != nil {
			t.Fatal(err)
		}
	}
	manifestPath := filepath.Join(unpacked, "manifest.json")
	var m manifest
	readJSON(t, manifestPath, &m)
	if m.Version != r.version || m.Name != "myapihq-mcp" || m.Icon != "icon.png" {
		t.Errorf("manifest version %s name %s icon %s", m.Version, m.Name, m.Icon)
	}
	linux, _ := find(es, "server/linux/myapihq-mcp")
	out, err := exec.Command(extract(t, linux), "tools", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var inv struct{ Tools []struct{ Name string } }
	if err := json.Unmarshal(out, &inv); err != nil {
		t.Fatal(err)
	}
	if len(inv.Tools) != len(m.Tools) || len(m.Tools) == 0 {
		t.Errorf("manifest lists %d tools, the binary has %d", len(m.Tools), len(inv.Tools))
	}
	for i := range m.Tools {
		if i < len(inv.Tools) && m.Tools[i].Name != inv.Tools[i].Name {
			t.Errorf("tool %d: manifest %s, binary %s", i, m.Tools[i].Name, inv.Tools[i].Name)
		}
	}

	need(t, "node", "apt-get install nodejs npm")
	cli := filepath.Join(r.tools, "node_modules", "@anthropic-ai", "mcpb", "dist", "cli", "cli.js")
	out, err = exec.Command("node", cli, "validate", manifestPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "passes") {
		t.Errorf("mcpb validate: %v\n%s", err, out)
	}
}

// TestBundleRunsAsAHostRunsIt: unpacked and resolved by the official MCPB
// library, the linux entry point starts and serves initialize, tools/list
// and calls on the sandbox through the official TypeScript SDK, with the
// defaults and with a user's choices.
func TestBundleRunsAsAHostRunsIt(t *testing.T) {
	r := dist(t)
	home := t.TempDir()
	out, err := r.node(t, "../scripts/release/mcpb-host.mjs",
		[]string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"), "MYAPI_CREDENTIAL_STORE=file"},
		r.path("myapihq-mcp_"+r.version+".mcpb"), r.version)
	t.Log(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("the bundle as a host runs it: %v", err)
	}
}
