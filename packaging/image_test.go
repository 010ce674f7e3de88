package packaging

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// maxImageSize is the most the image may weigh.
const maxImageSize = 40_000_000

// podman drives podman against a store of its own, so the checks see what
// the archive holds and nothing a build on this machine left behind.
type podman struct {
	t    *testing.T
	base []string
}

func newPodman(t *testing.T) *podman {
	t.Helper()
	need(t, "podman", "apt-get install podman runc")
	need(t, "runc", "apt-get install runc")
	dir, err := os.MkdirTemp("", "podman-check-")
	if err != nil {
		t.Fatal(err)
	}
	p := &podman{t: t, base: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}}
	t.Cleanup(func() {
		p.run("rm", "--all", "--force", "--time", "0") //nolint:errcheck // best effort
		// A removed container's files can outlive `podman rm` for a moment
		// (its monitor exits after): retry rather than leave the store.
		for i := 0; i < 50 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return p
}

func (p *podman) run(args ...string) (string, error) {
	out, err := exec.Command("podman", append(append([]string{}, p.base...), args...)...).CombinedOutput()
	return string(out), err
}

func (p *podman) must(args ...string) string {
	p.t.Helper()
	out, err := p.run(args...)
	if err != nil {
		p.t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runFlags: crun, podman's default, fails on these machines' hybrid
// cgroups, and the default rlimits are refused.
var runFlags = []string{"--runtime", "runc", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"}

// waitLog waits for a container's log to match re, and returns the match.
func (p *podman) waitLog(name string, re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		logs, _ := p.run("logs", name)
		if m := re.FindStringSubmatch(logs); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not log %s:\n%s", name, re, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestImage: the archive loads; the image is scratch with the binary,
// the CA bundle and /tmp only (no shell), runs as 65532, weighs at most
// 40 MB, prints its version, and its default command is the multi-tenant
// server, which drains and exits 0 on stop.
func TestImage(t *testing.T) {
	r := dist(t)
	p := newPodman(t)
	archive := r.path("myapihq-mcp_" + r.version + "_image.tar")
	ref := "ghcr.io/myapihq/myapihq-mcp:" + r.version
	if out := p.must("load", "-i", archive); !strings.Contains(out, "Loaded image: "+ref) {
		t.Fatalf("load: %s", out)
	}
	var inspect []struct {
		Size         int64
		Os           string
		Architecture string
		Config       struct {
			User       string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
	}
	if err := json.Unmarshal([]byte(p.must("image", "inspect", ref)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("inspect: %v", err)
	}
	img := inspect[0]
	if img.Config.User != "65532:65532" || img.Os != "linux" || img.Architecture != "amd64" {
		t.Errorf("user %q on %s/%s", img.Config.User, img.Os, img.Architecture)
	}
	if img.Size > maxImageSize {
		t.Errorf("the image weighs %d bytes, more than %d", img.Size, maxImageSize)
	}
	t.Logf("image: %d bytes, user %s", img.Size, img.Config.User)
	if strings.Join(img.Config.Entrypoint, " ") != "/myapihq-mcp" ||
		strings.Join(img.Config.Cmd, " ") != "http --multi-tenant --addr 0.0.0.0:8080 --allow-remote" {
		t.Errorf("entrypoint %q cmd %q", img.Config.Entrypoint, img.Config.Cmd)
	}
	if img.Config.Labels["io.modelcontextprotocol.server.name"] != "io.github.myapihq/myapihq-mcp" || img.Config.Labels["org.opencontainers.image.version"] != r.version {
		t.Errorf("labels %v", img.Config.Labels)
	}
	imageFiles(t, r, archive)

	out, err := p.run(append(append([]string{"run", "--rm", "--network", "none"}, runFlags...), ref, "--version")...)
	if err != nil || out != "myapihq-mcp "+r.version+"\n" {
		t.Errorf("--version: %q %v", out, err)
	}

	// The default command, on its own network: it serves, as 65532, and a
	// stop drains it to exit 0.
	name := "myapihq-default-" + randid.Hex(4)
	p.must(append(append([]string{"run", "-d", "--name", name, "--network", "none", "-e", "MYAPI_STATE_KEY=" + randid.Hex(32)}, runFlags...), ref)...)
	p.waitLog(name, regexp.MustCompile(`"addr":"\[::\]:8080","mode":"multi-tenant".*"message":"serving MCP over HTTP"`))
	if top := p.must("top", name, "user"); !strings.Contains(top, "65532") {
		t.Errorf("the server runs as:\n%s", top)
	}
	p.must("stop", "--time", "30", name)
	if code := strings.TrimSpace(p.must("inspect", name, "--format", "{{.State.ExitCode}}")); code != "0" {
		t.Errorf("exit code %s after stop", code)
	}
	if logs := p.must("logs", name); !strings.Contains(logs, `"message":"drained"`) {
		t.Errorf("no drain on stop:\n%s", logs)
	}
}

// imageFiles reads the saved archive's layers: exactly the binary (the
// linux/amd64 release binary, root's, not writable by the server's user),
// the CA bundle and a sticky world-writable /tmp.
func imageFiles(t *testing.T, r release, archive string) {
	t.Helper()
	files := readArchive(t, archive)
	man, ok := find(files, "manifest.json")
	if !ok {
		t.Fatal("the image archive has no manifest.json (not a docker-archive?)")
	}
	var m []struct{ Layers []string }
	if err := json.Unmarshal(man.data, &m); err != nil || len(m) != 1 {
		t.Fatalf("manifest.json: %v", err)
	}
	var all []entry
	for _, l := range m[0].Layers {
		layer, ok := find(files, l)
		if !ok {
			t.Fatalf("layer %s missing", l)
		}
		all = append(all, readTar(t, bytes.NewReader(layer.data))...)
	}
	got := names(all)
	sort.Strings(got)
	want := []string{"etc/", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt", "myapihq-mcp", "tmp/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the image holds %v, want %v", got, want)
	}
	bin, _ := find(all, "myapihq-mcp")
	if bin.mode.Perm() != 0o755 {
		t.Errorf("/myapihq-mcp mode %v", bin.mode)
	}
	if tmp, _ := find(all, "tmp/"); tmp.mode&os.ModeSticky == 0 || tmp.mode.Perm() != 0o777 {
		t.Errorf("/tmp mode %v, want sticky 0777", tmp.mode)
	}
	rel, _ := find(readArchive(t, r.path(archiveName(r.version, "linux", "amd64"))), "myapihq-mcp")
	if sha256.Sum256(bin.data) != sha256.Sum256(rel.data) {
		t.Error("the image's binary is not the linux/amd64 release binary")
	}
}

// TestImageServesTenants: the image's multi-tenant server, on the host's
// network, in front of a sandbox (the release's own binary), answers
// /healthz and /readyz, and the official TypeScript SDK client works as
// two tenants at once, each with its own agent's API key and PIN.
func TestImageServesTenants(t *testing.T) {
	r := dist(t)
	p := newPodman(t)
	ref := "ghcr.io/myapihq/myapihq-mcp:" + r.version
	p.must("load", "-i", r.path("myapihq-mcp_"+r.version+"_image.tar"))

	b, _ := find(readArchive(t, r.path(archiveName(r.version, "linux", "amd64"))), "myapihq-mcp")
	sandbox := startSandbox(t, extract(t, b))
	a, bb := onboard(t, sandbox, "alpha"), onboard(t, sandbox, "beta")

	name := "myapihq-tenants-" + randid.Hex(4)
	p.must(append(append([]string{"run", "-d", "--name", name, "--network", "host", "-e", "MYAPI_STATE_KEY=" + randid.Hex(32)}, runFlags...),
		ref, "http", "--multi-tenant", "--addr", "127.0.0.1:0", "--base-url", sandbox)...)
	addr := p.waitLog(name, regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)","mode":"multi-tenant".*"message":"serving MCP over HTTP"`))[1]
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	out, err := r.node(t, "../scripts/clients/remote-client.mjs",
		[]string{"A_KEY=" + a.key, "A_PIN=" + a.pin, "B_KEY=" + bb.key, "B_PIN=" + bb.pin}, "http://"+addr+"/mcp")
	for _, secret := range []string{a.key, a.pin, bb.key, bb.pin} {
		if strings.Contains(out, secret) {
			t.Error("a tenant's secret came back in a result")
		}
	}
	if err != nil || !strings.Contains(out, "remote sdk client: ok") {
		t.Errorf("the TypeScript SDK through the image: %v\n%s", err, out)
	}
}

// startSandbox runs `myapihq-mcp sandbox` on a free loopback port and
// returns its URL.
func startSandbox(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "sandbox", "--addr", "127.0.0.1:0", "--import-delay", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck // ends with the test
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`listening on (http://\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("the sandbox did not say where it listens")
	}
	return ""
}

type tenant struct{ key, pin string }

// onboard makes an agent on the sandbox and an API key for it, as an
// operator of the remote mode hands one to each caller.
func onboard(t *testing.T, sandbox, label string) tenant {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc, err := hqclient.New(hqclient.Options{BaseURL: sandbox})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := hc.CreateAgent(ctx, label)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := hqclient.New(hqclient.Options{BaseURL: sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: acc.Data.PIN, Token: acc.Data.Token})})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kc.CreateKey(ctx, hqclient.CreateKeyRequest{Name: label})
	if err != nil {
		t.Fatal(err)
	}
	return tenant{key: k.Data.APIKey, pin: acc.Data.PIN}
}
