package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func entry(tool string, at time.Time) Entry {
	return Entry{Time: at, Profile: "default", Tool: tool, Outcome: Done, Consent: ElicitationAccepted}
}

func TestFileAppendRead(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "audit")
	f := &File{Path: filepath.Join(dir, "audit.jsonl")}
	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rec := Recorder{Sink: f, Now: func() time.Time { return t0 }}
	if err := rec.Record(ctx, Call{Profile: "default", Service: "sandbox", Tool: "top_up",
		Args: map[string]any{"amount_cents": 2500}, AmountCents: 2500, Outcome: Done, Consent: ElicitationAccepted}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := f.Append(ctx, entry("delete_org", t0.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{dir: 0o700, f.Path: 0o600} {
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != want {
				t.Fatalf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
			}
		}
	}
	all, err := f.Since(ctx, time.Time{}, 0)
	if err != nil || len(all) != 4 {
		t.Fatalf("read %d entries, %v", len(all), err)
	}
	if all[0].Tool != "top_up" || all[0].AmountCents != 2500 || all[0].Args["amount_cents"] != float64(2500) || all[0].Service != "sandbox" {
		t.Fatalf("first entry: %+v", all[0])
	}
	recent, _ := f.Since(ctx, t0.Add(2*time.Hour), 0)
	if len(recent) != 2 {
		t.Fatalf("since +2h: %d entries", len(recent))
	}
	last, _ := f.Since(ctx, time.Time{}, 1)
	if len(last) != 1 || !last[0].Time.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("limit 1: %+v", last)
	}
}

func TestFileMissingIsEmpty(t *testing.T) {
	t.Parallel()
	f := &File{Path: filepath.Join(t.TempDir(), "none", "audit.jsonl")}
	es, err := f.Since(context.Background(), time.Time{}, 0)
	if err != nil || len(es) != 0 {
		t.Fatalf("%v, %v", es, err)
	}
}

// TestFileWidensNothing: a trail made readable by others by hand is made
// private again on the next append.
func TestFileWidensNothing(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	f := &File{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := os.WriteFile(f.Path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(context.Background(), entry("logout", time.Now())); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(f.Path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}

func TestFileRotation(t *testing.T) {
	t.Parallel()
	f := &File{Path: filepath.Join(t.TempDir(), "audit.jsonl"), MaxBytes: 1000, Keep: 2}
	ctx := context.Background()
	t0 := time.Now().UTC()
	for i := range 60 {
		if err := f.Append(ctx, entry(fmt.Sprintf("tool_%02d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{f.Path, f.Path + ".1", f.Path + ".2"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 1000 {
			t.Fatalf("%s is %d bytes, over MaxBytes", p, fi.Size())
		}
	}
	if _, err := os.Stat(f.Path + ".3"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("kept more than Keep files: %v", err)
	}
	es, err := f.Since(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 || len(es) >= 60 || es[len(es)-1].Tool != "tool_59" {
		t.Fatalf("after rotation: %d entries, last %+v", len(es), es[len(es)-1])
	}
	for i := 1; i < len(es); i++ { // what is kept is a contiguous, ordered tail
		if es[i].Tool <= es[i-1].Tool {
			t.Fatalf("out of order or gap: %s then %s", es[i-1].Tool, es[i].Tool)
		}
	}
	first, _ := strconv.Atoi(strings.TrimPrefix(es[0].Tool, "tool_"))
	if first+len(es) != 60 {
		t.Fatalf("a gap in the kept tail: starts at %d, %d entries", first, len(es))
	}
}

// TestFileTornLine: a line torn by a crash costs that line only; the next
// append starts on a line of its own.
func TestFileTornLine(t *testing.T) {
	t.Parallel()
	f := &File{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	ctx := context.Background()
	if err := f.Append(ctx, entry("top_up", time.Now())); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	out.WriteString(`{"time":"2026-12-07T10:00:00Z","tool":"rev`)
	out.Close()
	if err := f.Append(ctx, entry("revoke_key", time.Now())); err != nil {
		t.Fatal(err)
	}
	es, rep, err := f.Read(ctx, time.Time{}, 0)
	if err != nil || len(es) != 2 || rep.Skipped != 1 || es[1].Tool != "revoke_key" {
		t.Fatalf("entries %+v, report %+v, %v", es, rep, err)
	}
}

// TestFileFull: a full disk fails the append with an error a caller can
// show, and leaves the trail readable.
func TestFileFull(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	// The trail opened is /dev/full (a link there is refused: the trail
	// follows no symbolic link).
	f := &File{Path: filepath.Join(t.TempDir(), "audit.jsonl"),
		open: func(_ string, flag int, perm os.FileMode) (*os.File, error) {
			return os.OpenFile("/dev/full", flag, perm)
		}}
	err := Recorder{Sink: f}.Record(context.Background(), Call{Tool: "top_up", Outcome: Done, Consent: NoElicitation}, nil)
	var we *WriteError
	if !errors.As(err, &we) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v", err)
	}
	if n := we.Notice(); !strings.Contains(n, "could not be recorded") || !strings.Contains(n, "no space") {
		t.Fatalf("notice: %s", n)
	}
}

// TestFileUnreadable: a damaged file (here a folder where a rotated file
// should be) never hides the others; only when nothing can be read is it
// an error.
func TestFileUnreadable(t *testing.T) {
	t.Parallel()
	f := &File{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	ctx := context.Background()
	if err := f.Append(ctx, entry("delete_webhook", time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(f.Path+".1", 0o700); err != nil {
		t.Fatal(err)
	}
	es, rep, err := f.Read(ctx, time.Time{}, 0)
	if err != nil || len(es) != 1 || len(rep.Unreadable) != 1 {
		t.Fatalf("%+v %+v %v", es, rep, err)
	}
	g := &File{Path: f.Path + ".1"} // only a folder
	if _, err := g.Since(ctx, time.Time{}, 0); err == nil {
		t.Fatal("reading a folder as the trail succeeded")
	}
}

// The helper process of TestFileConcurrentProcesses: it appends
// AUDIT_HELPER_N entries tagged with its id to AUDIT_HELPER_FILE.
func TestHelperAppend(t *testing.T) {
	path := os.Getenv("AUDIT_HELPER_FILE")
	if path == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("AUDIT_HELPER_N"))
	f := &File{Path: path, MaxBytes: 32 << 10, Keep: 100}
	for i := range n {
		e := entry("top_up", time.Now())
		e.Profile = os.Getenv("AUDIT_HELPER_ID")
		e.Args = map[string]any{"seq": i, "pad": strings.Repeat("x", i%300)}
		if err := f.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFileConcurrentProcesses: several real processes, each with its own
// lock and file handles, append at once while the file rotates: every
// line arrives whole, none is lost or doubled.
func TestFileConcurrentProcesses(t *testing.T) {
	t.Parallel()
	const procs, each = 4, 150
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppend$", "-test.count=1")
			cmd.Env = append(os.Environ(), "AUDIT_HELPER_FILE="+path, "AUDIT_HELPER_N="+strconv.Itoa(each),
				"AUDIT_HELPER_ID=p"+strconv.Itoa(p))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("helper %d: %v\n%s", p, err, out)
			}
		}()
	}
	// and goroutines of this process, each File its own handles
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &File{Path: path, MaxBytes: 32 << 10, Keep: 100}
			for i := range each {
				e := entry("revoke_key", time.Now())
				e.Profile = "g" + strconv.Itoa(g)
				e.Args = map[string]any{"seq": i}
				if err := f.Append(context.Background(), e); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f := &File{Path: path, Keep: 100}
	es, rep, err := f.Read(context.Background(), time.Time{}, 0)
	if err != nil || rep.Skipped != 0 || len(rep.Unreadable) != 0 {
		t.Fatalf("read: %v, report %+v", err, rep)
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("the test did not rotate: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		k := fmt.Sprintf("%s/%v", e.Profile, e.Args["seq"])
		if seen[k] {
			t.Fatalf("line %s twice", k)
		}
		seen[k] = true
	}
	if want := (procs + 3) * each; len(seen) != want {
		t.Fatalf("%d distinct lines, want %d", len(seen), want)
	}
}
