package credentials

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeKeyring is a race-safe Provider with injectable faults.
type fakeKeyring struct {
	mu      sync.Mutex
	items   map[string]string
	reads   atomic.Int32
	getErr  error         // every Get fails with it
	setErr  error         // every Set fails with it
	block   chan struct{} // calls wait on it (a locked collection's prompt)
	onTouch func()        // called on any use
}

func newFake() *fakeKeyring { return &fakeKeyring{items: map[string]string{}} }

func (f *fakeKeyring) wait() {
	if f.onTouch != nil {
		f.onTouch()
	}
	if f.block != nil {
		<-f.block
	}
}

func (f *fakeKeyring) Get(s, u string) (string, error) {
	f.wait()
	f.reads.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return "", f.getErr
	}
	v, ok := f.items[s+"/"+u]
	if !ok {
		return "", errNotFoundLikeGoKeyring
	}
	return v, nil
}

func (f *fakeKeyring) Set(s, u, v string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setErr != nil {
		return f.setErr
	}
	f.items[s+"/"+u] = v
	return nil
}

func (f *fakeKeyring) Delete(s, u string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil { // a keyring that cannot be read cannot delete either
		return f.getErr
	}
	if _, ok := f.items[s+"/"+u]; !ok {
		return errNotFoundLikeGoKeyring
	}
	delete(f.items, s+"/"+u)
	return nil
}

func (f *fakeKeyring) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.items)
}

var errNotFoundLikeGoKeyring = keyring.ErrNotFound

//lint:ignore ST1005 the text of the real D-Bus error
var errNoSecretService = errors.New(`The name org.freedesktop.secrets was not provided by any .service files`)

func newStore(t *testing.T, p Provider, mode string, env map[string]string) (*Store, *bytes.Buffer) {
	t.Helper()
	var warn bytes.Buffer
	s, err := New(Options{Target: "https://api.example.test", Mode: mode, Provider: p, Timeout: 200 * time.Millisecond,
		FilePath: filepath.Join(t.TempDir(), "cfg", "credentials.json"), Warn: &warn,
		Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return s, &warn
}

var full = Values{AccountID: "acct_1", PIN: "pin-0123456789abcdef", APIKey: "hq_live_abcdefghijklmnopqrstuvwxyz0123456789",
	Token: "eyJhbGciOiJIUzI1NiJ9.e30.sig4", TokenExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}

func TestKeyringRoundTripAndReadOnce(t *testing.T) {
	t.Parallel()
	kr := newFake()
	s, warn := newStore(t, kr, ModeAuto, nil)
	ctx := context.Background()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	if kr.len() != 4 {
		t.Fatalf("%d items, want one per field", kr.len())
	}
	// A new process: reads the keyring once, then serves from memory.
	s2, _ := newStore(t, kr, ModeAuto, nil)
	s2.opts.FilePath = s.opts.FilePath
	before := kr.reads.Load()
	for i := 0; i < 50; i++ {
		v, err := s2.Get(ctx)
		if err != nil || v != full {
			t.Fatalf("got %+v %v", v, err)
		}
	}
	if n := kr.reads.Load() - before; int(n) != len(storedFields) {
		t.Fatalf("%d keyring reads for 50 Gets, want one per item (%d)", n, len(storedFields))
	}
	if warn.Len() != 0 {
		t.Fatalf("warned: %s", warn)
	}
	if _, err := os.Stat(s.opts.FilePath); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("auto wrote the plain-text file although the keyring works")
	}
}

func TestAutoFallsBackToFileAndSaysSo(t *testing.T) {
	t.Parallel()
	kr := newFake()
	kr.getErr, kr.setErr = errNoSecretService, errNoSecretService
	s, warn := newStore(t, kr, ModeAuto, nil)
	ctx := context.Background()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(s.opts.FilePath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("file: %v %v", info, err)
	}
	if dir, _ := os.Stat(filepath.Dir(s.opts.FilePath)); dir.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v", dir.Mode().Perm())
	}
	// One warning: what auto mode did, why, and how to refuse it; not the
	// keyring error's own advice to use the file it already uses.
	if w := warn.String(); !strings.Contains(w, "plain text") || strings.Count(w, "WARNING") != 1 || !strings.Contains(w, errNoSecretService.Error()) ||
		strings.Contains(w, "use --credential-store file") || !strings.Contains(w, "--credential-store keyring") {
		t.Fatalf("warning: %q", warn)
	}
	st := s.Status(ctx)
	if st.Store != "file" || !st.PlainText || len(st.Warnings) == 0 || st.Fields[1].Source != SourceFile {
		t.Fatalf("status: %+v", st)
	}
	// The next process finds them, and says so too.
	s2, warn2 := newStore(t, kr, ModeAuto, nil)
	s2.opts.FilePath, s2.file.path = s.opts.FilePath, s.opts.FilePath
	if v, err := s2.Get(ctx); err != nil || v != full {
		t.Fatalf("reload: %+v %v", v, err)
	}
	if !strings.Contains(warn2.String(), "plain text") {
		t.Fatal("second process did not warn")
	}
}

func TestBlockingKeyringTimesOut(t *testing.T) {
	t.Parallel()
	kr := newFake()
	kr.block = make(chan struct{}) // never answers
	defer close(kr.block)
	s, _ := newStore(t, kr, ModeKeyring, nil)
	start := time.Now()
	_, err := s.Get(context.Background())
	var te *TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "--credential-store file") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v with a 200ms timeout: one dead read must not cost four timeouts", d)
	}
	// auto: the same hang means the file, within the bound.
	a, warn := newStore(t, kr, ModeAuto, nil)
	start = time.Now()
	if err := a.Save(context.Background(), Values{PIN: full.PIN}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second || !strings.Contains(warn.String(), "did not answer") {
		t.Fatalf("auto took %v, warned %q", d, warn)
	}
}

func TestKeyringModeNeverFallsBackButKeepsThePIN(t *testing.T) {
	t.Parallel()
	kr := newFake()
	kr.setErr = errNoSecretService
	s, _ := newStore(t, kr, ModeKeyring, nil)
	err := s.Save(context.Background(), full)
	var se *SaveError
	if !errors.As(err, &se) || se.Fields[0] != FieldPIN || len(se.Fields) != 4 {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(s.opts.FilePath); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("keyring mode wrote a file")
	}
	// Not lost: this process still has it, and says where from.
	if v, _ := s.Get(context.Background()); v.PIN != full.PIN {
		t.Fatalf("PIN lost: %+v", v)
	}
	if st := s.Status(context.Background()); st.Fields[1].Source != SourceMemory {
		t.Fatalf("status %+v", st.Fields)
	}
}

func TestFileModeNeverTouchesKeyring(t *testing.T) {
	t.Parallel()
	kr := newFake()
	kr.onTouch = func() { t.Error("file mode touched the keyring") }
	s, warn := newStore(t, kr, ModeFile, nil)
	if !strings.Contains(warn.String(), "plain text") {
		t.Fatalf("no warning at start: %q", warn)
	}
	ctx := context.Background()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	s.Reload(ctx)
	if v, _ := s.Get(ctx); v != full {
		t.Fatalf("%+v", v)
	}
	if err := s.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(ctx); st.Fields[1].Present || len(st.Warnings) == 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestEnvOverridesWinAndAreNeverWritten(t *testing.T) {
	t.Parallel()
	kr := newFake()
	env := map[string]string{"MYAPI_API_KEY": "hq_live_fromenvfromenvfromenv1234"}
	s, _ := newStore(t, kr, ModeAuto, env)
	ctx := context.Background()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	v, _ := s.Get(ctx)
	if v.APIKey != env["MYAPI_API_KEY"] || v.PIN != full.PIN {
		t.Fatalf("%+v", v)
	}
	for k, val := range kr.items {
		if val == env["MYAPI_API_KEY"] {
			t.Fatalf("env value written back as %s", k)
		}
	}
	st := s.Status(ctx)
	if st.Fields[2].Source != "env (MYAPI_API_KEY)" || st.Fields[2].Masked != "hq_live_…1234" {
		t.Fatalf("status %+v", st.Fields[2])
	}
	// Env alone works even where no store can be read.
	broken := newFake()
	broken.getErr = errNoSecretService
	s2, _ := newStore(t, broken, ModeKeyring, env)
	if v, err := s2.Get(ctx); err != nil || v.APIKey == "" {
		t.Fatalf("env-only: %+v %v", v, err)
	}
}

func TestProfilesAndServicesAreSeparate(t *testing.T) {
	t.Parallel()
	kr := newFake()
	dir := t.TempDir()
	mk := func(profile, target string) *Store {
		s, err := New(Options{Profile: profile, Target: target, Provider: kr, FilePath: filepath.Join(dir, "c.json"), Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	mk("default", TargetForURL("https://API.example.test/")).Save(ctx, Values{PIN: "live-pin-00000000"})
	mk("default", TargetForSandbox(filepath.Join(dir, "sb.db"))).Save(ctx, Values{PIN: "sandbox-pin-0000"})
	mk("work", TargetForURL("https://api.example.test")).Save(ctx, Values{PIN: "work-pin-00000000"})
	if v, _ := mk("default", "https://api.example.test").Get(ctx); v.PIN != "live-pin-00000000" {
		t.Fatalf("live: %+v", v)
	}
	if v, _ := mk("default", TargetForSandbox(filepath.Join(dir, "sb.db"))).Get(ctx); v.PIN != "sandbox-pin-0000" {
		t.Fatalf("sandbox: %+v", v)
	}
	w := mk("work", "https://api.example.test")
	w.Logout(ctx)
	if v, _ := mk("default", "https://api.example.test").Get(ctx); v.PIN == "" {
		t.Fatal("logout of one profile removed another's")
	}
}

func TestItemsStayUnderTheSizeLimit(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, newFake(), ModeKeyring, nil)
	err := s.Save(context.Background(), Values{Token: strings.Repeat("x", 3000)})
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("err %v", err)
	}
}

func TestLockSerialisesAndHonoursContext(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, newFake(), ModeAuto, nil)
	unlock, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	u2, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u2()
}

func TestEnvFileImportExport(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, newFake(), ModeAuto, nil)
	ctx := context.Background()
	file := `# onboarding
export MYAPI_API_KEY="hq_live_abcdefghijklmnopqrstuvwxyza1b2"
MYAPI_ACCOUNT_ID=acct_9   # trailing comment
MYAPI_PIN='pin-with-quotes-1234'
OTHER=ignored
`
	env, err := ParseEnvFile(strings.NewReader(file))
	if err != nil || len(env) != 3 {
		t.Fatalf("%v %v", env, err)
	}
	names, err := ImportEnv(ctx, s, env)
	if err != nil || len(names) != 3 {
		t.Fatalf("%v %v", names, err)
	}
	var out bytes.Buffer
	if err := ExportEnv(ctx, s, &out, "https://api.example.test", false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pin-with-quotes") || strings.Contains(out.String(), "abcdefghij") ||
		!strings.Contains(out.String(), "MYAPI_PIN=••••1234") || !strings.Contains(out.String(), "MYAPI_ACCOUNT_ID=acct_9") {
		t.Fatalf("masked export:\n%s", out.String())
	}
	out.Reset()
	ExportEnv(ctx, s, &out, "", true)
	again, _ := ParseEnvFile(&out)
	if again["MYAPI_PIN"] != "pin-with-quotes-1234" {
		t.Fatalf("export --show-secrets does not round-trip: %v", again)
	}
	if _, err := ImportEnv(ctx, s, map[string]string{"MYAPI_BASE_URL": "https://elsewhere.test", "MYAPI_PIN": "x"}); err == nil {
		t.Fatal("a file for another service was imported")
	}
	if _, err := ParseEnvFile(strings.NewReader("garbage line")); err == nil {
		t.Fatal("bad line accepted")
	}
}

// TestAutoLogoutWithoutKeyring: a new process, without a keyring, logs out
// of what auto mode stored in the file, and succeeds (it used to delete the
// file's items, then fail on the keyring it had never found unusable).
func TestAutoLogoutWithoutKeyring(t *testing.T) {
	t.Parallel()
	kr := newFake()
	kr.getErr, kr.setErr = errNoSecretService, errNoSecretService
	s, _ := newStore(t, kr, ModeAuto, nil)
	ctx := context.Background()
	if err := s.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	s2, _ := newStore(t, kr, ModeAuto, nil)
	s2.opts.FilePath, s2.file.path = s.opts.FilePath, s.opts.FilePath
	if err := s2.Logout(ctx); err != nil {
		t.Fatalf("logout: %v", err)
	}
	s3, _ := newStore(t, kr, ModeAuto, nil)
	s3.opts.FilePath, s3.file.path = s.opts.FilePath, s.opts.FilePath
	if v, _ := s3.Get(ctx); !v.empty() {
		t.Fatalf("still stored: %+v", v)
	}
}

// TestLockThenSaveToFile: onboarding holds the profile's lock while the
// file store takes its own; on the non-unix lock (run it on Linux with
// -tags forcelockfallback) both took one process mutex and deadlocked.
func TestLockThenSaveToFile(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, newFake(), ModeFile, nil)
	done := make(chan error, 1)
	go func() {
		unlock, err := s.Lock(context.Background())
		if err != nil {
			done <- err
			return
		}
		defer unlock()
		done <- s.Save(context.Background(), full)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Save under Lock deadlocked")
	}
}

// TestSandboxExportNamesTheSandbox: an export of sandbox credentials says
// so, and importing it anywhere but that sandbox is refused.
func TestSandboxExportNamesTheSandbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "my sandbox.db")
	open := func(target string) *Store {
		s, err := New(Options{Target: target, Mode: ModeFile, FilePath: filepath.Join(t.TempDir(), "c.json"), Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sb := open(TargetForSandbox(state))
	if err := sb.Save(ctx, full); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := ExportEnv(ctx, sb, &out, "", true); err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvFile(&out)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"https://api.myapihq.com", TargetForSandbox(state + ".other")} {
		if _, err := ImportEnv(ctx, open(target), env); err == nil || !strings.Contains(err.Error(), "--sandbox") {
			t.Fatalf("sandbox credentials imported into %s: %v", target, err)
		}
	}
	if _, err := ImportEnv(ctx, open(TargetForSandbox(state)), env); err != nil {
		t.Fatal(err)
	}
}
