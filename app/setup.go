package app

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/myapihq/myapihq-mcp/hostconfig"
)

// SetupOptions is one `myapihq-mcp setup HOST` invocation.
type SetupOptions struct {
	Host                  string
	Name                  string // the server's name in the host's file; default myapihq(-sandbox)
	Sandbox, Print, Force bool
	// ServerArgs are server flags given after "--", checked like the
	// server's own command line.
	ServerArgs []string
}

// SetupHosts names the hosts `setup` knows.
func SetupHosts() []string { return hostconfig.Hosts() }

// RunSetup writes this binary, by its absolute path, into a host's MCP
// configuration.
func RunSetup(o SetupOptions, stdout, stderr io.Writer) error {
	if _, err := hostconfig.Lookup(o.Host); err != nil {
		return configError("%v", err)
	}
	if err := checkServerArgs(o.ServerArgs); err != nil {
		return configError("the server flags after --: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	if isTempBuild(self) {
		return configError("this binary is a temporary build (%s), gone once `go run` ends: install it first "+
			"(CGO_ENABLED=0 go install . or a release archive), then run `myapihq-mcp setup %s`", self, o.Host)
	}
	args := []string{}
	if o.Sandbox {
		args = append(args, "--sandbox")
	}
	args = append(args, o.ServerArgs...)
	name := o.Name
	if name == "" {
		name = "myapihq"
		if o.Sandbox {
			name = "myapihq-sandbox"
		}
	}
	home, _ := os.UserHomeDir()
	res, err := hostconfig.Setup(hostconfig.Options{
		Host: o.Host, Name: name, Server: hostconfig.Server{Command: self, Args: args},
		Print: o.Print, Force: o.Force,
	}, hostconfig.Env{
		GOOS: runtime.GOOS, Home: home, Getenv: os.Getenv, FS: hostconfig.OSFS{}, Now: time.Now,
		LookPath: exec.LookPath,
		Run:      func(name string, args ...string) ([]byte, error) { return exec.Command(name, args...).CombinedOutput() },
	})
	if err != nil {
		return err
	}
	h := res.Host
	switch {
	case o.Print:
		stdout.Write(res.Content) //nolint:errcheck // a closed stdout has no one to tell
		verb := map[hostconfig.Change]string{hostconfig.Unchanged: "already holds", hostconfig.Added: "would get", hostconfig.Updated: "would get a new"}[res.Change]
		fmt.Fprintf(stderr, "%s (%s's configuration) %s %q; nothing was written.\n", res.Path, h.Title, verb, name)
	case res.Change == hostconfig.Unchanged:
		fmt.Fprintf(stdout, "%s already runs %q as setup would write it (%s): nothing changed.\n", h.Title, name, res.Path)
	default:
		how := "Added"
		if res.Change == hostconfig.Updated {
			how = "Replaced"
		}
		fmt.Fprintf(stdout, "%s %q to %s's configuration: %s\n", how, name, h.Title, res.Path)
		if res.Via != "" {
			fmt.Fprintf(stdout, "  written by `%s mcp add-json --scope user`\n", res.Via)
		}
		if res.Backup != "" {
			fmt.Fprintf(stdout, "  the old file is saved as %s\n", res.Backup)
		}
		fmt.Fprintf(stdout, "  runs: %s\n%s.\n", strings.TrimSpace(self+" "+strings.Join(args, " ")), h.Reload)
	}
	return nil
}

// checkServerArgs parses flags meant for the server with the server's
// own flag rows, so that a typo fails here and not in the host's log.
func checkServerArgs(args []string) error {
	fs := pflag.NewFlagSet("server", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Bind(fs, NewSettings(), ServerFlags...)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: the server takes flags only", fs.Arg(0))
	}
	return nil
}

// isTempBuild: `go run` builds into the temp folder's go-build*/ and
// removes the binary when it exits.
func isTempBuild(path string) bool {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		tmp = os.TempDir()
	}
	rel, err := filepath.Rel(tmp, path)
	return err == nil && strings.HasPrefix(rel, "go-build")
}
