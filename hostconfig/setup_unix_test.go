//go:build unix

package hostconfig

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSetupRefusesWhatIsNotASettingsFile: a host's file that leads to
// /dev/zero, a FIFO with no writer, or a file over MaxConfigBytes is
// refused at once, untouched and without a backup, by an error that says
// what to do; a settings file beside them is still merged.
func TestSetupRefusesWhatIsNotASettingsFile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, want string
		make       func(t *testing.T, path string)
	}{
		{"a link to /dev/zero", "not a regular file (a device)", func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"a FIFO", "not a regular file (a FIFO)", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("no FIFO here: %v", err)
			}
		}},
		{"a file over the cap", "shrink it", func(t *testing.T, path string) {
			write(t, path, "", 0o600)
			if err := os.Truncate(path, MaxConfigBytes+1); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}},
		{"a settings file", "", func(t *testing.T, path string) {
			write(t, path, `{"mcpServers": {}}`, 0o600)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env, home := testEnv(t)
			path := filepath.Join(home, ".cursor", "mcp.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			c.make(t, path)
			before, _ := os.Lstat(path)
			done := make(chan error, 1)
			go func() {
				_, err := Setup(Options{Host: "cursor", Name: "myapihq", Server: bin}, env)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("setup still reading after 10s")
			}
			if c.want == "" {
				if err != nil || !strings.Contains(read(t, path), "myapihq-mcp") {
					t.Fatalf("a settings file was not merged: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("%v, want an error with %q that says nothing was changed", err, c.want)
			}
			after, _ := os.Lstat(path)
			if after.Mode() != before.Mode() || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
				t.Error("the file was touched")
			}
			if m, _ := filepath.Glob(path + ".bak*"); len(m) != 0 {
				t.Errorf("backups: %v", m)
			}
		})
	}
}
