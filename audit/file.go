package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
)

// File is the local trail: an append-only JSON-lines file (0600, in a
// folder made 0700), rotated by size, shared by every server process of
// the user. Each append takes the folder's inter-process lock, then writes
// its one line with a single O_APPEND write, so lines from several
// processes never interleave, and a rotation never loses one.
type File struct {
	Path     string // e.g. <config dir>/myapihq-mcp/audit/audit.jsonl
	MaxBytes int64  // rotate before a line would take the file past this (default 1 MiB)
	Keep     int    // rotated files kept: Path.1 (newest) … Path.Keep (default 5)

	// open opens the trail by name, following no symbolic link, so an
	// append (and the chmod to 0600) never lands on a file a link names
	// (nil: fsx.OpenNoFollow; tests give a full disk).
	open func(name string, flag int, perm os.FileMode) (*os.File, error)
}

func (f *File) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	if f.open != nil {
		return f.open(name, flag, perm)
	}
	return fsx.OpenNoFollow(name, flag, perm)
}

// Defaults: about 30,000 entries of history in at most 6 MiB.
const (
	DefaultMaxBytes = 1 << 20
	DefaultKeep     = 5
	// maxLine bounds one entry: masking already clips arguments, this is
	// the guard of last resort.
	maxLine = 16 << 10
)

func (f *File) maxBytes() int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultMaxBytes
}

func (f *File) keep() int {
	if f.Keep > 0 {
		return f.Keep
	}
	return DefaultKeep
}

func (f *File) lockPath() string { return f.Path + ".lock" }

func (f *File) fail(err error) error { return &WriteError{Where: f.Path, Err: err} }

// Append writes e as one line.
func (f *File) Append(_ context.Context, e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return f.fail(err)
	}
	if len(line) > maxLine {
		e.Args = map[string]any{"…": "arguments too large to record"}
		if line, err = json.Marshal(e); err != nil {
			return f.fail(err)
		}
	}
	line = append(line, '\n')
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return f.fail(err)
	}
	unlock, err := fsx.Lock(f.lockPath())
	if err != nil {
		return f.fail(err)
	}
	defer unlock()
	if fi, err := os.Stat(f.Path); err == nil && fi.Size() > 0 && fi.Size()+int64(len(line)) > f.maxBytes() {
		if err := f.rotate(); err != nil {
			return f.fail(fmt.Errorf("rotate: %w", err))
		}
	}
	return f.write(line)
}

// write appends line, or leaves the file as it was: a short write (a full
// disk) is cut off again, so the next line does not start inside a torn one.
func (f *File) write(line []byte) error {
	out, err := f.openFile(f.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return f.fail(err)
	}
	defer out.Close()
	fi, err := out.Stat()
	if err != nil {
		return f.fail(err)
	}
	if fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 { // made by hand, or by an older version
		if err := out.Chmod(0o600); err != nil {
			return f.fail(err)
		}
	}
	if fi.Mode().IsRegular() && fi.Size() > 0 { // a line torn by a crash ends here, not inside ours
		last := make([]byte, 1)
		if _, err := out.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	n, err := out.Write(line)
	if err == nil && n < len(line) {
		err = errors.New("short write")
	}
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		if n > 0 && fi.Mode().IsRegular() {
			out.Truncate(fi.Size()) //nolint:errcheck // best effort: the reader skips a torn line anyway
		}
		return f.fail(err)
	}
	return nil
}

// rotate shifts Path.(k) to Path.(k+1), dropping the oldest, and Path to
// Path.1. The caller holds the lock.
func (f *File) rotate() error {
	keep := f.keep()
	if err := os.Remove(rotated(f.Path, keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for k := keep - 1; k >= 1; k-- {
		if err := os.Rename(rotated(f.Path, k), rotated(f.Path, k+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Rename(f.Path, rotated(f.Path, 1))
}

func rotated(path string, k int) string { return fmt.Sprintf("%s.%d", path, k) }

// ReadReport says what a read could not use: files it could not open
// (beyond the trail not existing yet) and lines it could not parse (a line
// torn by a crash, or edited by hand).
type ReadReport struct {
	Unreadable []string // "path: error"
	Skipped    int
}

// Since returns the entries at or after since, oldest first, at most
// limit (the newest; <= 0: all). A missing trail is no entry and no error.
func (f *File) Since(ctx context.Context, since time.Time, limit int) ([]Entry, error) {
	es, rep, err := f.Read(ctx, since, limit)
	if err == nil && len(rep.Unreadable) > 0 && len(es) == 0 {
		err = errors.New(rep.Unreadable[0])
	}
	return es, err
}

// Read is Since with a report of what it skipped. It returns an error only
// when it could read nothing at all: a damaged file never hides the others.
func (f *File) Read(_ context.Context, since time.Time, limit int) ([]Entry, ReadReport, error) {
	var rep ReadReport
	// The lock keeps a rotation from moving lines between the files while
	// they are read; without it (the lock file cannot be made: a read-only
	// folder), read anyway.
	if unlock, err := fsx.Lock(f.lockPath()); err == nil {
		defer unlock()
	}
	var out []Entry
	files := make([]string, 0, f.keep()+1)
	for k := f.keep(); k >= 1; k-- {
		files = append(files, rotated(f.Path, k))
	}
	files = append(files, f.Path)
	opened := 0
	for _, p := range files {
		es, skipped, err := readLines(p, since)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			rep.Unreadable = append(rep.Unreadable, err.Error())
			continue
		}
		opened++
		rep.Skipped += skipped
		out = append(out, es...)
	}
	if opened == 0 && len(rep.Unreadable) > 0 {
		return nil, rep, errors.New(rep.Unreadable[0])
	}
	// Appends are in time order per process; processes with skewed clocks
	// are not, so sort (stable: equal times keep file order).
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, rep, nil
}

func readLines(path string, since time.Time) ([]Entry, int, error) {
	in, err := fsx.OpenNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, 0, err
	}
	defer in.Close()
	var out []Entry
	skipped := 0
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 4*maxLine)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e Entry
		if json.Unmarshal(b, &e) != nil || e.Tool == "" || e.Time.IsZero() {
			skipped++
			continue
		}
		if !e.Time.Before(since) {
			out = append(out, e)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) { // keep what came before it
		return out, skipped + 1, nil
	} else if err != nil { // a folder where the file should be, an I/O error
		return out, skipped, fmt.Errorf("%s: %w", path, err)
	}
	return out, skipped, nil
}
