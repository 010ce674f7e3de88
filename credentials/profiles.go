package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
)

// The keyring cannot list its items, so the store keeps an index of the
// profiles that hold credentials for each service: names only, no secret,
// in profiles.json beside the credential file (0600). The file store's own
// items are read too, so profiles stored before the index are found.
// It serves questions a human asks at the command line (which profiles
// exist, which share a key): a failure to keep it never fails a write.

type profileIndex struct {
	Version  int                 `json:"version"`
	Profiles map[string][]string `json:"profiles"` // target -> profile names, sorted
}

func (s *Store) indexPath() string {
	p := s.opts.FilePath
	if p == "" {
		var err error
		if p, err = DefaultFilePath(); err != nil {
			return ""
		}
	}
	return filepath.Join(filepath.Dir(p), "profiles.json")
}

func readIndex(path string) (profileIndex, error) {
	idx := profileIndex{Version: 1, Profiles: map[string][]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return idx, err
	}
	if err := json.Unmarshal(b, &idx); err != nil || idx.Profiles == nil {
		return profileIndex{Version: 1, Profiles: map[string][]string{}}, nil // rebuilt from here on
	}
	return idx, nil
}

// index adds (or, with remove, removes) this profile in the index.
func (s *Store) index(remove bool) {
	path := s.indexPath()
	if path == "" {
		return
	}
	idx, err := readIndex(path)
	if err != nil || slices.Contains(idx.Profiles[s.opts.Target], s.opts.Profile) != remove {
		return // unreadable, or already so: no write
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	unlock, err := fsx.Lock(path + ".lock")
	if err != nil {
		return
	}
	defer unlock()
	if idx, err = readIndex(path); err != nil { // again, under the lock
		return
	}
	names := slices.DeleteFunc(idx.Profiles[s.opts.Target], func(p string) bool { return p == s.opts.Profile })
	if !remove {
		names = append(names, s.opts.Profile)
		slices.Sort(names)
	}
	if len(names) == 0 {
		delete(idx.Profiles, s.opts.Target)
	} else {
		idx.Profiles[s.opts.Target] = names
	}
	if b, err := json.MarshalIndent(idx, "", "  "); err == nil {
		_ = fsx.WriteFileAtomic(path, b, 0o600)
	}
}

// Profiles names every profile with stored credentials for this service
// (this one too, if it has some), sorted: the index's, and the file store's.
func (s *Store) Profiles(ctx context.Context) []string {
	var names []string
	if path := s.indexPath(); path != "" {
		if idx, err := readIndex(path); err == nil {
			names = append(names, idx.Profiles[s.opts.Target]...)
		}
	}
	if s.file != nil {
		if d, err := s.file.read(); err == nil {
			for item := range d.Items {
				for _, f := range storedFields {
					if p, ok := strings.CutSuffix(item, "|"+s.opts.Target+"|"+f); ok && f != fieldOnboardKey {
						names = append(names, p)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Stored returns what the stores hold for this profile, without the
// environment's overrides.
func (s *Store) Stored(ctx context.Context) (Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.stored, s.loadErr
}

// HoldersOf names the other profiles of this service whose stored API key
// is key: rotating it in one revokes it for the others.
func (s *Store) HoldersOf(ctx context.Context, key string) []string {
	if key == "" {
		return nil
	}
	// Another profile may live in either store, whatever this one's mode:
	// read both, as auto mode does, unless the keyring is not to be touched
	// (file mode) or already failed (one timeout is enough).
	s.mu.Lock()
	o := s.opts
	if o.Mode != ModeFile && !s.fellBack {
		o.Mode = ModeAuto
	} else {
		o.Mode = ModeFile
	}
	s.mu.Unlock()
	o.Warn = nil
	o.Getenv = func(string) string { return "" } // the stores' values, not this process's overrides
	var out []string
	for _, p := range s.Profiles(ctx) {
		if p == s.opts.Profile {
			continue
		}
		o.Profile = p
		other, err := New(o)
		if err != nil {
			continue
		}
		if v, _ := other.Stored(ctx); v.APIKey == key {
			out = append(out, p)
		}
	}
	return out
}
