package packaging

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// targets are the archives a release has, one per OS and CPU.
var targets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func archiveName(version, goos, goarch string) string {
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return "myapihq-mcp_" + version + "_" + goos + "_" + goarch + ext
}

// binaryFor checks an executable is for goos/goarch, by its headers.
func binaryFor(t *testing.T, what string, data []byte, goos, goarch string) {
	t.Helper()
	r := bytes.NewReader(data)
	var arch string
	switch goos {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			t.Fatalf("%s: not ELF: %v", what, err)
		}
		arch = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			t.Fatalf("%s: not Mach-O: %v", what, err)
		}
		arch = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			t.Fatalf("%s: not PE: %v", what, err)
		}
		arch = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	if arch != goarch {
		t.Errorf("%s: built for %q, want %s/%s", what, arch, goos, goarch)
	}
}

// reproducibleBuild checks what a binary records of its build: no cgo,
// no file paths (-trimpath; Go then records no -ldflags, so the stamped
// version is looked for in the bytes), and no path of this checkout.
func reproducibleBuild(t *testing.T, what string, data []byte, version string) {
	t.Helper()
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	set := map[string]string{}
	for _, s := range info.Settings {
		set[s.Key] = s.Value
	}
	if set["-trimpath"] != "true" || set["CGO_ENABLED"] != "0" {
		t.Errorf("%s: build settings %v", what, set)
	}
	if !bytes.Contains(data, []byte(version)) {
		t.Errorf("%s: the version %s is not stamped in it", what, version)
	}
	if wd, err := os.Getwd(); err == nil && bytes.Contains(data, []byte(filepath.Dir(wd))) {
		t.Errorf("%s holds the build folder's path %s", what, filepath.Dir(wd))
	}
}

// TestArchives: six archives named by version, OS and CPU, each holding
// the binary for that target (executable, the commit's time) and the docs.
func TestArchives(t *testing.T) {
	r := dist(t)
	for _, tg := range targets {
		name := archiveName(r.version, tg.goos, tg.goarch)
		es := readArchive(t, r.path(name))
		bin := "myapihq-mcp"
		if tg.goos == "windows" {
			bin += ".exe"
		}
		got := names(es)
		sort.Strings(got)
		if want := []string{"README.md", "docs/install.md", bin}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s holds %v, want %v", name, got, want)
		}
		b, ok := find(es, bin)
		if !ok {
			continue
		}
		if b.mode.Perm()&0o111 == 0 && tg.goos != "windows" {
			t.Errorf("%s: %s is not executable (%v)", name, bin, b.mode)
		}
		for _, e := range es {
			if !e.time.Equal(r.commit) {
				t.Errorf("%s: %s dated %v, want the commit's %v", name, e.name, e.time, r.commit)
			}
		}
		binaryFor(t, name, b.data, tg.goos, tg.goarch)
		reproducibleBuild(t, name, b.data, r.version)
	}
}

// TestLinuxBinaryPrintsItsVersion: the version stamped at build time, a
// real (pre-)release version, never "dev".
func TestLinuxBinaryPrintsItsVersion(t *testing.T) {
	r := dist(t)
	b, ok := find(readArchive(t, r.path(archiveName(r.version, "linux", "amd64"))), "myapihq-mcp")
	if !ok {
		t.Fatal("no binary in the linux/amd64 archive")
	}
	bin := extract(t, b)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil || string(out) != "myapihq-mcp "+r.version+"\n" {
			t.Errorf("%v: %q %v, want %q", args, out, err, "myapihq-mcp "+r.version)
		}
	}
	if strings.Contains(r.version, "dev") || (strings.Contains(r.version, "-") && !strings.HasPrefix(r.version, "0.0.0-SNAPSHOT-")) {
		t.Errorf("version %q: want X.Y.Z or 0.0.0-SNAPSHOT-<commit>", r.version)
	}
}

// TestChecksums: checksums.txt lists every artifact, archives, bundle,
// image and server.json, each with its true sha256, and nothing else.
func TestChecksums(t *testing.T) {
	r := dist(t)
	f, err := os.Open(r.path("checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("checksums.txt: bad line %q", sc.Text())
		}
		b, err := os.ReadFile(r.path(name))
		if err != nil {
			t.Errorf("checksums.txt lists %s: %v", name, err)
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, checksums.txt says %s", name, got, sum)
		}
		listed[name] = true
	}
	want := []string{"myapihq-mcp_" + r.version + ".mcpb", "myapihq-mcp_" + r.version + "_image.tar", "server.json"}
	for _, tg := range targets {
		want = append(want, archiveName(r.version, tg.goos, tg.goarch))
	}
	for _, w := range want {
		if !listed[w] {
			t.Errorf("checksums.txt lacks %s", w)
		}
	}
	shipped, _ := filepath.Glob(r.path("myapihq-mcp_*"))
	for _, p := range shipped {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && !listed[filepath.Base(p)] {
			t.Errorf("%s is shipped but not in checksums.txt", filepath.Base(p))
		}
	}
	if len(listed) != len(want) {
		t.Errorf("checksums.txt lists %d files, want %d", len(listed), len(want))
	}
}
