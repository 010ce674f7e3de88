// Package packaging holds the release's templates (the MCPB manifest, the
// MCP Registry's server.json and its vendored schema) and the checks of
// what scripts/release.sh builds from them, made from outside: as a user,
// a host, the registry or a container engine would meet each artifact.
//
// The template checks run with every `go test`. The artifact checks run
// when MYAPIHQ_DIST names a release's dist/ (scripts/release.sh --check
// and the CI stage set it); there a missing tool fails, never skips.
package packaging

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// release is a dist/ folder to check.
type release struct {
	dir, version string
	commit       time.Time // the commit's time: the archives' file times
	tools        string    // the pinned npm tools (scripts/release/), installed
}

func dist(t *testing.T) release {
	t.Helper()
	dir := os.Getenv("MYAPIHQ_DIST")
	if dir == "" {
		t.Skip("no release to check: scripts/release.sh --check sets MYAPIHQ_DIST")
	}
	var meta struct{ Version, Commit string }
	b, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Fatalf("%v: is %s a dist/ of scripts/release.sh?", err, dir)
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta.Version == "" {
		t.Fatalf("metadata.json: %v %s", err, b)
	}
	out, err := exec.Command("git", "log", "-1", "--format=%ct", meta.Commit).Output()
	if err != nil {
		t.Fatalf("the release's commit %s: %v", meta.Commit, err)
	}
	var epoch int64
	for _, c := range strings.TrimSpace(string(out)) {
		epoch = epoch*10 + int64(c-'0')
	}
	return release{dir: dir, version: meta.Version, commit: time.Unix(epoch, 0), tools: os.Getenv("MYAPIHQ_RELEASE_TOOLS")}
}

func (r release) path(name string) string { return filepath.Join(r.dir, name) }

// need finds a command the checks run; checking a release without it
// fails, with what to install.
func need(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed to check the release: %s", name, install)
	}
	return p
}

// node runs a script of scripts/release/ with the pinned packages beside
// it (Node resolves imports from the script's own folder).
func (r release) node(t *testing.T, script string, env []string, args ...string) (string, error) {
	t.Helper()
	need(t, "node", "apt-get install nodejs npm")
	if r.tools == "" {
		t.Fatal("MYAPIHQ_RELEASE_TOOLS is not set: run the checks through scripts/release.sh --check")
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(r.tools, filepath.Base(script))
	if err := os.WriteFile(dst, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{dst}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// entry is one file of an archive.
type entry struct {
	name string
	mode os.FileMode
	time time.Time
	data []byte
}

// readArchive lists a .tar.gz or .zip with its files' bytes.
func readArchive(t *testing.T, path string) []entry {
	t.Helper()
	var out []entry
	if strings.HasSuffix(path, ".zip") || strings.HasSuffix(path, ".mcpb") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, entry{name: f.Name, mode: f.Mode(), time: f.Modified, data: b})
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	return readTar(t, r)
}

func readTar(t *testing.T, r io.Reader) []entry {
	t.Helper()
	var out []entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		e := entry{name: h.Name, mode: h.FileInfo().Mode(), time: h.ModTime, data: b}
		if h.Typeflag == tar.TypeDir {
			e.name = strings.TrimSuffix(h.Name, "/") + "/"
		}
		out = append(out, e)
	}
}

func find(es []entry, name string) (entry, bool) {
	for _, e := range es {
		if e.name == name {
			return e, true
		}
	}
	return entry{}, false
}

func names(es []entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.name)
	}
	return out
}

// extract writes an archive's file to a temp file with its mode.
func extract(t *testing.T, e entry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.Base(e.name))
	if err := os.WriteFile(p, e.data, e.mode.Perm()); err != nil {
		t.Fatal(err)
	}
	return p
}

func readJSON(t *testing.T, path string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
