package hostconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
)

// MaxConfigBytes caps the file setup reads. Not lower: Claude Code keeps
// its projects' history in ~/.claude.json, which has been seen past 100 MB.
const MaxConfigBytes = 256 << 20

// FS is the file system setup reads and writes.
type FS interface {
	// ReadFile reads a regular file of at most MaxConfigBytes, following
	// links; a device, FIFO or folder fails with fsx.ErrNotRegular and a
	// larger file with fsx.ErrTooLarge, before it is read.
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	// EvalSymlinks resolves a path that may be a link (a dotfiles
	// manager's): setup writes the file the link points at and keeps the
	// link.
	EvalSymlinks(name string) (string, error)
	MkdirAll(name string, perm fs.FileMode) error
	// WriteFile replaces name atomically: a host reading it at that moment
	// sees the old file or the new one, never half of one.
	WriteFile(name string, data []byte, perm fs.FileMode) error
	// WriteFileNew writes a file that must not exist yet, failing with
	// fs.ErrExist rather than replace one (a backup never overwrites an
	// earlier backup, even written at the same moment).
	WriteFileNew(name string, data []byte, perm fs.FileMode) error
}

// OSFS is the machine's file system.
type OSFS struct{}

func (OSFS) ReadFile(name string) ([]byte, error) {
	return fsx.ReadRegular(name, MaxConfigBytes)
}
func (OSFS) Stat(name string) (fs.FileInfo, error)        { return os.Stat(name) }
func (OSFS) EvalSymlinks(name string) (string, error)     { return filepath.EvalSymlinks(name) }
func (OSFS) MkdirAll(name string, perm fs.FileMode) error { return os.MkdirAll(name, perm) }
func (OSFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return fsx.WriteFileAtomic(name, data, perm)
}
func (OSFS) WriteFileNew(name string, data []byte, perm fs.FileMode) error {
	return fsx.WriteFileNew(name, data, perm)
}

// Env is everything outside the process that setup depends on.
type Env struct {
	GOOS   string // the OS whose paths to use: darwin, windows, linux, …
	Home   string
	Getenv func(string) string
	FS     FS
	Now    func() time.Time
	// LookPath finds a host's own command (`claude`); nil means none is
	// used and the file is edited directly.
	LookPath func(file string) (string, error)
	// Run runs such a command and returns its combined output.
	Run func(name string, args ...string) ([]byte, error)
}

// Options is one `setup` invocation.
type Options struct {
	Host   string
	Name   string // the server's name in the file
	Server Server
	// Print computes the change and writes nothing.
	Print bool
	// Force replaces a different server of the same name.
	Force bool
}

// Result says what setup did, or (with Print) would do.
type Result struct {
	Host    Host
	Path    string // the host's file (a link is reported as the link)
	Change  Change
	Backup  string // the copy of the old file, if one was written
	Content []byte // the file as it is (or would be) after setup
	Via     string // the host command that wrote it, if not setup itself
}

// Setup merges o.Server into the host's configuration as o.Name.
func Setup(o Options, e Env) (Result, error) {
	h, err := Lookup(o.Host)
	if err != nil {
		return Result{}, err
	}
	if !isAbs(e.GOOS, o.Server.Command) {
		return Result{}, fmt.Errorf("the server's command must be an absolute path (hosts do not start it from your shell): %q", o.Server.Command)
	}
	path, err := h.ConfigPath(e.GOOS, e.Home, e.Getenv)
	if err != nil {
		return Result{}, err
	}
	if !isAbs(e.GOOS, path) { // a relative HOME would write into the current folder
		return Result{}, fmt.Errorf("%s's file would be %q, not an absolute path: check HOME", h.Title, path)
	}
	res := Result{Host: h, Path: path}
	target := path // the file behind a link, which is what gets written
	if real, err := e.FS.EvalSymlinks(path); err == nil {
		target = real
	}
	old, err := e.FS.ReadFile(target)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, readError(h, path, target, err)
	}
	content, change, err := h.plan(path, old, o.Name, o.Server, o.Force)
	if err != nil {
		return res, err
	}
	res.Change, res.Content = change, content
	if o.Print || change == Unchanged {
		return res, nil
	}
	perm := fs.FileMode(0o600) // a new file: other servers' settings may hold tokens
	if exists {
		if fi, err := e.FS.Stat(target); err == nil {
			perm = fi.Mode().Perm()
		}
		if res.Backup, err = backup(e, target, old, perm); err != nil {
			return res, err
		}
	}
	if h.CLI != "" && e.LookPath != nil {
		if cli, err := e.LookPath(h.CLI); err == nil && !batchFile(e.GOOS, cli) {
			res.Via = h.CLI
			return res, h.viaCLI(e, cli, target, o, change)
		}
	}
	if !exists {
		if err := e.FS.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return res, fmt.Errorf("cannot create the folder of %s: %w", path, err)
		}
	}
	if err := e.FS.WriteFile(target, content, perm); err != nil {
		return res, fmt.Errorf("cannot write %s: %w (the old file is unchanged)", path, err)
	}
	return res, nil
}

// readError says why the host's file was not read and what to do: a
// path that leads to a device or a FIFO, or a file too large to be
// settings, is left alone rather than read without end.
func readError(h Host, path, target string, err error) error {
	at := path
	if target != path {
		at = fmt.Sprintf("%s (a link to %s)", path, target)
	}
	why := err // without the path, which at already names
	var pe *fs.PathError
	if errors.As(err, &pe) {
		why = pe.Err
	}
	switch {
	case errors.Is(err, fsx.ErrNotRegular):
		return fmt.Errorf("%s: %w; make it %s's JSON settings file (or remove it), then run setup again; nothing was changed", at, why, h.Title)
	case errors.Is(err, fsx.ErrTooLarge):
		return fmt.Errorf("%s: %w: check it is %s's settings file and shrink it, or add the server by hand (docs/install.md); nothing was changed", at, why, h.Title)
	}
	return fmt.Errorf("cannot read %s: %w", at, err)
}

// backup copies the old file beside it, under a name no earlier backup
// has: a second backup never overwrites the first.
func backup(e Env, target string, old []byte, perm fs.FileMode) (string, error) {
	stamp := e.Now().UTC().Format("20060102-150405")
	for i := 1; ; i++ {
		name := target + ".bak-" + stamp
		if i > 1 {
			name += fmt.Sprintf("-%d", i)
		}
		err := e.FS.WriteFileNew(name, old, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cannot write the backup %s: %w (nothing was changed)", name, err)
		}
		return name, nil
	}
}

// batchFile: on Windows an npm-installed `claude` is claude.cmd, which
// runs through cmd.exe, whose quoting would mangle the JSON argument; the
// file is edited directly instead.
func batchFile(goos, path string) bool {
	ext := strings.ToLower(filepath.Ext(strings.ReplaceAll(path, `\`, "/")))
	return goos == "windows" && (ext == ".cmd" || ext == ".bat")
}

func isAbs(goos, p string) bool {
	if goos == "windows" {
		// C:\… or C:/…, or a UNC path \\server\share\…
		return (len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) || (len(p) >= 2 && p[0] == '\\' && p[1] == '\\')
	}
	return filepath.IsAbs(p) || (len(p) > 0 && p[0] == '/')
}
