// Package credentials keeps an account's secrets (account id, agent PIN, API
// key, JWT) per profile and per service, in the OS keyring behind a timeout,
// with env-var overrides and an announced plain-text file fallback. It does
// no HTTP.
package credentials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// Credential store modes.
const (
	ModeAuto    = "auto"    // keyring; the 0600 file where none is available (announced)
	ModeKeyring = "keyring" // keyring only: fail rather than write plain text
	ModeFile    = "file"    // file only: never touch the keyring
)

// Sources of a value.
const (
	SourceEnv     = "env"
	SourceKeyring = "keyring"
	SourceFile    = "file"
	SourceMemory  = "memory" // this process has it, no store kept it
)

// Options configure a Store.
type Options struct {
	Profile string // default "default"
	// Target names the service the secrets belong to; see TargetForURL and
	// TargetForSandbox. Sandbox secrets are never sent to the live service.
	Target   string
	Mode     string              // ModeAuto by default
	Provider Provider            // SystemKeyring by default
	FilePath string              // default: <user config dir>/myapihq-mcp/credentials.json
	Timeout  time.Duration       // per keyring call, 3s by default
	Getenv   func(string) string // os.Getenv by default
	// Warn receives the one-time plain-text warning (stderr in main).
	Warn io.Writer
}

// TargetForURL names a service by its normalised base URL.
func TargetForURL(base string) string {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Host == "" {
		return strings.TrimRight(base, "/")
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/")
}

// TargetForSandbox names an embedded sandbox by its state file, whatever
// loopback port it listens on this time.
func TargetForSandbox(statePath string) string {
	if abs, err := filepath.Abs(statePath); err == nil {
		statePath = abs
	}
	return sandboxPrefix + statePath
}

const sandboxPrefix = "sandbox:"

// DefaultFilePath is where the file store lives.
func DefaultFilePath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory for the credential file: %w", err)
	}
	return filepath.Join(dir, "myapihq-mcp", "credentials.json"), nil
}

type backend interface {
	name() string
	get(user string) (string, error)
	set(user, value string) error
	del(user string) error
}

// Store holds one profile's secrets for one service. It reads the stores
// once, lazily (so starting a server touches no keyring), and serves every
// later read from memory. It is safe for concurrent use.
type Store struct {
	opts    Options
	keyring backend // nil in ModeFile
	file    *fileBackend

	mu       sync.Mutex
	loaded   bool
	loadErr  error
	stored   Values            // what the stores hold (or this process saved)
	sources  map[string]string // field -> where stored's value came from
	primary  backend           // where writes go
	fellBack bool              // auto mode gave up on the keyring
	why      string            // and why, in a few words (keyringCause)
	warned   bool
}

// New returns a Store; it does no I/O.
func New(opts Options) (*Store, error) {
	if opts.Profile == "" {
		opts.Profile = "default"
	}
	if opts.Target == "" {
		return nil, errors.New("credentials: no target service")
	}
	switch opts.Mode {
	case "":
		opts.Mode = ModeAuto
	case ModeAuto, ModeKeyring, ModeFile:
	default:
		return nil, fmt.Errorf("credential store %q: want auto, keyring or file", opts.Mode)
	}
	if opts.Provider == nil {
		opts.Provider = SystemKeyring{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.FilePath == "" && opts.Mode != ModeKeyring {
		p, err := DefaultFilePath()
		if err != nil {
			return nil, err
		}
		opts.FilePath = p
	}
	s := &Store{opts: opts, sources: map[string]string{}}
	if opts.FilePath != "" {
		s.file = &fileBackend{path: opts.FilePath}
	}
	if opts.Mode != ModeFile {
		s.keyring = &keyringBackend{p: opts.Provider, timeout: opts.Timeout}
		s.primary = s.keyring
	} else {
		s.primary = s.file
		// No probe is needed to know this one, so it is said at start.
		if opts.Warn != nil {
			fmt.Fprintf(opts.Warn, "WARNING: --credential-store file: secrets for profile %q are stored in plain text in %s (mode 0600).\n",
				opts.Profile, opts.FilePath)
			s.warned = true
		}
	}
	return s, nil
}

func (s *Store) Profile() string { return s.opts.Profile }
func (s *Store) Target() string  { return s.opts.Target }
func (s *Store) Mode() string    { return s.opts.Mode }

// item is the keyring user / file key of one field.
func (s *Store) item(field string) string {
	return s.opts.Profile + "|" + s.opts.Target + "|" + field
}

// readFrom reads every field from b. It stops at the first error that says
// b cannot be used, so a dead keyring costs one timeout, not four.
func (s *Store) readFrom(b backend) (Values, map[string]bool, error) {
	var v Values
	found := map[string]bool{}
	for _, f := range fieldTable {
		raw, err := b.get(s.item(f.name))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return v, found, err
		}
		found[f.name] = true
		f.decode(&v, raw)
	}
	return v, found, nil
}

// load reads the stores once; call with s.mu held.
func (s *Store) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	s.stored, s.sources, s.loadErr = s.readStores()
}

func (s *Store) readStores() (Values, map[string]string, error) {
	sources := map[string]string{}
	var v Values
	if s.keyring != nil && !s.fellBack {
		kv, found, err := s.readFrom(s.keyring)
		switch {
		case err == nil:
			v = kv
			for f := range found {
				sources[f] = SourceKeyring
			}
		case s.opts.Mode == ModeAuto && unusable(err):
			s.fallBack(err)
		default:
			return v, sources, err
		}
	}
	// In auto mode the file also fills gaps, so what an earlier session had
	// to store there is still found once the keyring is back.
	if s.file != nil && (s.opts.Mode != ModeKeyring) {
		fv, found, err := s.readFrom(s.file)
		if err != nil {
			return v, sources, err
		}
		for f := range found {
			if sources[f] == "" {
				sources[f] = SourceFile
				v = merge(v, pick(fv, f))
			}
		}
	}
	return v, sources, nil
}

// fallBack switches auto mode to the file, and says so once on Warn: one
// warning, naming what auto mode has just done and how to refuse it (not
// the keyring error's own advice, which suggests the file it now uses).
func (s *Store) fallBack(cause error) {
	s.fellBack = true
	s.why = keyringCause(cause)
	s.primary = s.file
	if !s.warned && s.opts.Warn != nil {
		s.warned = true
		fmt.Fprintf(s.opts.Warn, "WARNING: the OS keyring is unavailable (%s), so secrets for profile %q are stored in plain text "+
			"in %s (mode 0600); start a Secret Service (gnome-keyring on Linux) to use the keyring, or pass --credential-store keyring "+
			"to refuse plain text.\n", s.why, s.opts.Profile, s.opts.FilePath)
	}
}

func (s *Store) env() Values {
	var v Values
	for _, f := range fieldTable {
		if f.env != "" {
			*f.ptr(&v) = s.opts.Getenv(f.env)
		}
	}
	return v
}

// Get returns the secrets to use: stored values with env overrides on top.
// A store that cannot be read is an error only if the environment does not
// supply anything either.
func (s *Store) Get(ctx context.Context) (Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	env := s.env()
	if s.loadErr != nil && env.empty() && s.stored.empty() {
		return Values{}, s.loadErr
	}
	return merge(s.stored, env), nil
}

// Reload forgets what was read and reads the stores again; onboarding calls
// it under Lock to see what another process has just stored.
func (s *Store) Reload(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	memory := map[string]bool{}
	for f, src := range s.sources {
		if src == SourceMemory {
			memory[f] = true
		}
	}
	kept := s.stored
	s.loaded = false
	s.load()
	for f := range memory { // unsaved values of this process stay
		if s.sources[f] == "" {
			s.stored = merge(s.stored, pick(kept, f))
			s.sources[f] = SourceMemory
		}
	}
}

// SaveError says which fields no store could keep. The values are still
// held in memory for this process.
type SaveError struct {
	Fields []string
	Err    error
}

func (e *SaveError) Error() string {
	return fmt.Sprintf("could not store %s: %v", strings.Join(e.Fields, ", "), e.Err)
}
func (e *SaveError) Unwrap() error { return e.Err }

// Save persists every non-empty field of v (writes are synchronous: when it
// returns nil, the secrets are stored). On failure the values are still
// held in memory and a *SaveError names what was not kept.
func (s *Store) Save(ctx context.Context, v Values) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.stored = merge(s.stored, v)
	var failed []string
	var lastErr error
	// PIN first: it is the one secret that cannot be recovered.
	order := make([]field, 0, len(fieldTable))
	for _, f := range fieldTable {
		if f.name == FieldPIN {
			order = append([]field{f}, order...)
		} else {
			order = append(order, f)
		}
	}
	for _, f := range order {
		raw := f.encode(v)
		if raw == "" {
			continue
		}
		src, err := s.write(f.name, raw)
		if err != nil {
			failed, lastErr = append(failed, f.name), err
			src = SourceMemory
		}
		s.sources[f.name] = src
	}
	if failed != nil {
		return &SaveError{Fields: failed, Err: lastErr}
	}
	if v.AccountID != "" || v.PIN != "" || v.APIKey != "" {
		s.index(false) // a token alone is not worth a write: its account's save indexed the profile
	}
	return nil
}

// write stores one item in the primary backend, falling back (auto) once.
func (s *Store) write(field, raw string) (string, error) {
	if s.primary == nil {
		return "", errors.New("no credential store configured")
	}
	err := s.primary.set(s.item(field), raw)
	if err != nil && s.opts.Mode == ModeAuto && s.primary == s.keyring && unusable(err) {
		s.fallBack(err)
		err = s.primary.set(s.item(field), raw)
	}
	if err != nil {
		return "", err
	}
	return sourceOf(s.primary), nil
}

func sourceOf(b backend) string {
	if b.name() == "file" {
		return SourceFile
	}
	return SourceKeyring
}

// SaveToken keeps a freshly minted JWT. It is not worth failing a call for:
// a token that is not stored is minted again next time.
func (s *Store) SaveToken(ctx context.Context, token string, expiresAt time.Time) error {
	return s.Save(ctx, Values{Token: token, TokenExpiresAt: expiresAt})
}

// Logout deletes the profile's items for this service from every store
// that may hold them. Env overrides are not ours to delete.
func (s *Store) Logout(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	var stores []backend
	if s.keyring != nil && !s.fellBack {
		stores = append(stores, s.keyring)
	}
	if s.file != nil {
		stores = append(stores, s.file)
	}
	for _, b := range stores {
		for _, f := range storedFields {
			err := b.del(s.item(f))
			if err != nil && b == s.keyring && s.opts.Mode == ModeAuto && unusable(err) {
				// Nothing was read yet, so the fallback shows only now: the
				// keyring holds nothing this process could use, and the
				// file, where auto mode keeps secrets then, is cleared next.
				s.fallBack(err)
				break
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", b.name(), err))
				break
			}
		}
	}
	s.stored, s.sources, s.loaded, s.loadErr = Values{}, map[string]string{}, true, nil
	if len(errs) == 0 {
		s.index(true)
	}
	return errors.Join(errs...)
}

// Lock takes the profile's inter-process lock, so that create-and-persist
// runs in one process at a time; the second finds the first's account.
func (s *Store) Lock(ctx context.Context) (unlock func(), err error) {
	dir := filepath.Dir(s.opts.FilePath)
	if s.opts.FilePath == "" {
		p, err := DefaultFilePath()
		if err != nil {
			return nil, err
		}
		dir = filepath.Dir(p)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(s.opts.Profile + "|" + s.opts.Target))
	path := filepath.Join(dir, "onboard-"+hex.EncodeToString(sum[:8])+".lock")
	type res struct {
		unlock func()
		err    error
	}
	ch := make(chan res, 1)
	go func() {
		u, err := fsx.Lock(path)
		ch <- res{u, err}
	}()
	select {
	case r := <-ch:
		return r.unlock, r.err
	case <-ctx.Done():
		go func() { // release it if it is granted after we gave up
			if r := <-ch; r.err == nil {
				r.unlock()
			}
		}()
		return nil, ctx.Err()
	}
}

// FieldStatus is one row of Status.
type FieldStatus struct {
	Field   string `json:"field"`
	Present bool   `json:"present"`
	Source  string `json:"source,omitempty"`
	Masked  string `json:"masked,omitempty"`
}

// Status describes the store for humans and for whoami: where each value
// comes from, never the value itself.
type Status struct {
	Profile   string        `json:"profile"`
	Target    string        `json:"target"`
	Mode      string        `json:"mode"`
	Store     string        `json:"store"` // keyring | file
	PlainText bool          `json:"plain_text"`
	Fields    []FieldStatus `json:"fields"`
	Warnings  []string      `json:"warnings,omitempty"`
	Error     string        `json:"error,omitempty"`
}

// Status reads the stores (once) and reports.
func (s *Store) Status(ctx context.Context) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	st := Status{Profile: s.opts.Profile, Target: s.opts.Target, Mode: s.opts.Mode}
	if s.primary != nil {
		st.Store = s.primary.name()
	}
	st.PlainText = st.Store == "file"
	if s.loadErr != nil {
		st.Error = s.loadErr.Error()
	}
	if s.fellBack {
		st.Warnings = append(st.Warnings, "the OS keyring is unavailable ("+s.why+"): secrets are stored in plain text in "+s.opts.FilePath)
	} else if s.opts.Mode == ModeFile {
		st.Warnings = append(st.Warnings, "secrets are stored in plain text in "+s.opts.FilePath+" (--credential-store file)")
	}
	env := s.env()
	for _, f := range Fields {
		row := FieldStatus{Field: f}
		sv, ev := fieldValue(s.stored, f), fieldValue(env, f)
		switch {
		case ev != "":
			row.Present, row.Source, row.Masked = true, SourceEnv+" ("+EnvVars[f]+")", mask.Display(f, ev)
		case sv != "":
			row.Present, row.Source, row.Masked = true, s.sources[f], mask.Display(f, sv)
		}
		st.Fields = append(st.Fields, row)
	}
	return st
}
