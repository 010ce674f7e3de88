package hostconfig

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var clock = time.Date(2026, 12, 7, 10, 15, 0, 0, time.UTC)

func testEnv(t *testing.T) (Env, string) {
	t.Helper()
	home := t.TempDir()
	return Env{GOOS: "linux", Home: home, Getenv: func(string) string { return "" }, FS: OSFS{},
		Now: func() time.Time { return clock }}, home
}

func write(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSetupCreatesTheFileAndItsFolder: a host never configured before
// gets a private file in a private folder.
func TestSetupCreatesTheFileAndItsFolder(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	res, err := Setup(Options{Host: "vscode", Name: "myapihq", Server: bin}, env)
	if err != nil || res.Change != Added || res.Backup != "" {
		t.Fatalf("%+v %v", res, err)
	}
	path := filepath.Join(home, ".config", "Code", "User", "mcp.json")
	if res.Path != path || read(t, path) != string(res.Content) {
		t.Fatalf("wrote %s, reported %s", path, res.Path)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v, folder %v", fi.Mode(), di.Mode())
	}
}

// TestSetupBacksUpThenMerges: the old file is copied first (same mode),
// a second run changes nothing and writes no backup, and a later change
// never overwrites the first backup.
func TestSetupBacksUpThenMerges(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	path := filepath.Join(home, ".cursor", "mcp.json")
	old := "{\n  \"mcpServers\": {\"other\": {\"command\": \"/bin/other\"}},\n  \"x\": 1\n}\n"
	write(t, path, old, 0o644)

	res, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, env)
	if err != nil || res.Change != Added {
		t.Fatalf("%+v %v", res, err)
	}
	if res.Backup != path+".bak-20261207-101500" || read(t, res.Backup) != old {
		t.Errorf("backup %q", res.Backup)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode changed to %v", fi.Mode())
	}
	var f struct{ MCPServers map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(read(t, path)), &f); err != nil || len(f.MCPServers) != 2 {
		t.Fatalf("merged: %s", read(t, path))
	}

	again, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, env)
	if err != nil || again.Change != Unchanged || again.Backup != "" {
		t.Errorf("second run: %+v %v", again, err)
	}
	// A changed binary path, forced, in the same second: a second backup.
	moved := Server{Command: "/usr/local/bin/myapihq-mcp", Args: bin.Args}
	third, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: moved, Force: true}, env)
	if err != nil || third.Change != Updated || third.Backup != path+".bak-20261207-101500-2" {
		t.Errorf("third run: %+v %v", third, err)
	}
	if read(t, path+".bak-20261207-101500") != old {
		t.Error("the first backup was overwritten")
	}
}

// TestSetupPrintWritesNothing: --print computes the file and leaves the
// disk alone.
func TestSetupPrintWritesNothing(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	res, err := Setup(Options{Host: "windsurf", Name: "myapihq", Server: bin, Print: true}, env)
	if err != nil || res.Change != Added || !strings.Contains(string(res.Content), `"/opt/myapihq/myapihq-mcp"`) {
		t.Fatalf("%+v %v", res, err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("print wrote %v", entries)
	}
}

// TestSetupLeavesABadFileUntouched: the refusal names the file, and its
// bytes and time stay as they were; no backup is made.
func TestSetupLeavesABadFileUntouched(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	path := filepath.Join(home, ".claude.json")
	write(t, path, `{"mcpServers": {`, 0o600)
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(path, past, past)
	_, err := Setup(Options{Host: "claude-code", Name: "myapihq", Server: bin}, env)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path {
		t.Fatalf("%v", err)
	}
	fi, _ := os.Stat(path)
	if read(t, path) != `{"mcpServers": {` || !fi.ModTime().Equal(past) {
		t.Error("the bad file was touched")
	}
	if m, _ := filepath.Glob(path + ".bak*"); len(m) != 0 {
		t.Errorf("backups: %v", m)
	}
}

// TestSetupWritesThroughALink: a dotfiles manager's symlink stays a link;
// the file it points at is updated.
func TestSetupWritesThroughALink(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	real := filepath.Join(home, "dotfiles", "cursor-mcp.json")
	write(t, real, `{"mcpServers": {}}`, 0o600)
	link := filepath.Join(home, ".cursor", "mcp.json")
	os.MkdirAll(filepath.Dir(link), 0o700)
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, env); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if !strings.Contains(read(t, real), "myapihq-mcp") {
		t.Error("the linked file was not updated")
	}
}

// memFS is an empty disk that keeps what is written in memory: for paths
// of another OS, which must not land on this one.
type memFS struct{ files map[string][]byte }

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if b, ok := m.files[name]; ok {
		return b, nil
	}
	return nil, fs.ErrNotExist
}
func (m *memFS) Stat(string) (fs.FileInfo, error)    { return nil, fs.ErrNotExist }
func (m *memFS) EvalSymlinks(string) (string, error) { return "", fs.ErrNotExist }
func (m *memFS) MkdirAll(string, fs.FileMode) error  { return nil }
func (m *memFS) WriteFile(name string, b []byte, _ fs.FileMode) error {
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[name] = b
	return nil
}
func (m *memFS) WriteFileNew(name string, b []byte, perm fs.FileMode) error {
	if _, ok := m.files[name]; ok {
		return fs.ErrExist
	}
	return m.WriteFile(name, b, perm)
}

// failingFS fails every write: the old file must survive.
type failingFS struct{ OSFS }

func (failingFS) WriteFile(string, []byte, fs.FileMode) error    { return errors.New("disk full") }
func (failingFS) WriteFileNew(string, []byte, fs.FileMode) error { return errors.New("disk full") }

func TestSetupFailsWithoutHarm(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	env.FS = failingFS{}
	path := filepath.Join(home, ".cursor", "mcp.json")
	write(t, path, `{"keep": true}`, 0o600)
	if _, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, env); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("backup failure: %v", err)
	}
	if read(t, path) != `{"keep": true}` {
		t.Error("file changed")
	}
	if _, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: Server{Command: "myapihq-mcp"}}, env); err == nil ||
		!strings.Contains(err.Error(), "absolute path") {
		t.Errorf("relative command: %v", err)
	}
	rel := env
	rel.Home = "relative/home"
	if _, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, rel); err == nil || !strings.Contains(err.Error(), "check HOME") {
		t.Errorf("relative home: %v", err)
	}
	for _, cmd := range []string{`C:\bin\myapihq-mcp.exe`, `\\srv\share\myapihq-mcp.exe`} {
		if !isAbs("windows", cmd) {
			t.Errorf("%s: not absolute on Windows?", cmd)
		}
	}
	if isAbs("windows", `bin\myapihq-mcp.exe`) || isAbs("linux", "bin/x") {
		t.Error("relative paths taken as absolute")
	}
}

// TestSetupClaudeCodeUsesItsCLI: with `claude` on PATH, setup asks it to
// add (or remove, then add) the server and checks the file afterwards.
func TestSetupClaudeCodeUsesItsCLI(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	path := filepath.Join(home, ".claude.json")
	write(t, path, `{"numStartups": 3, "mcpServers": {"myapihq": {"type": "stdio", "command": "/old", "args": []}}}`, 0o600)
	var calls [][]string
	env.LookPath = func(f string) (string, error) { return "/usr/bin/" + f, nil }
	env.Run = func(name string, args ...string) ([]byte, error) {
		calls = append(calls, append([]string{name}, args...))
		if args[1] == "add-json" { // what claude itself does: it writes the file
			var e map[string]any
			if err := json.Unmarshal([]byte(args[5]), &e); err != nil {
				return nil, err
			}
			f := map[string]any{"numStartups": 3, "mcpServers": map[string]any{args[4]: e}}
			b, _ := json.Marshal(f)
			return nil, os.WriteFile(path, b, 0o600)
		}
		return nil, nil
	}
	res, err := Setup(Options{Host: "claude-code", Name: "myapihq", Server: bin, Force: true}, env)
	if err != nil || res.Via != "claude" || res.Change != Updated || res.Backup == "" {
		t.Fatalf("%+v %v", res, err)
	}
	want := [][]string{
		{"/usr/bin/claude", "mcp", "remove", "--scope", "user", "myapihq"},
		{"/usr/bin/claude", "mcp", "add-json", "--scope", "user", "myapihq",
			`{ "type": "stdio", "command": "/opt/myapihq/myapihq-mcp", "args": ["--sandbox"] }`},
	}
	if len(calls) != 2 || strings.Join(calls[0], " ") != strings.Join(want[0], " ") || strings.Join(calls[1], " ") != strings.Join(want[1], " ") {
		t.Errorf("calls:\n%q\nwant\n%q", calls, want)
	}
	// On Windows, an npm claude.cmd would run through cmd.exe: not used.
	win := env
	win.GOOS, win.Home, win.FS = "windows", `C:\Users\ann`, &memFS{}
	win.LookPath = func(f string) (string, error) { return `C:\npm\` + f + ".cmd", nil }
	calls = nil
	if res, err := Setup(Options{Host: "claude-code", Name: "viafile", Server: Server{Command: `C:\bin\myapihq-mcp.exe`}}, win); err != nil || res.Via != "" || len(calls) != 0 ||
		res.Path != `C:\Users\ann\.claude.json` || !strings.Contains(string(win.FS.(*memFS).files[res.Path]), `"C:\\bin\\myapihq-mcp.exe"`) {
		t.Errorf("claude.cmd: %+v %v %v", res, err, calls)
	}
	// A claude that says it added but did not: reported, not hidden.
	env.Run = func(string, ...string) ([]byte, error) { return nil, nil }
	if _, err := Setup(Options{Host: "claude-code", Name: "other", Server: bin}, env); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("silent claude: %v", err)
	}
	// A failing claude: its output is shown.
	env.Run = func(string, ...string) ([]byte, error) { return []byte("boom"), errors.New("exit status 1") }
	if _, err := Setup(Options{Host: "claude-code", Name: "third", Server: bin}, env); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing claude: %v", err)
	}
}
