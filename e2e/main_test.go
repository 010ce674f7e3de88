// Package e2e drives the built binary as a user's host would: as a
// subprocess, over its real interfaces.
package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "myapihq-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "myapihq-mcp")
	args := []string{"build", "-o", binary}
	if raceBuild {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "..")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandboxProc is `myapihq-mcp sandbox` running as a child process.
type sandboxProc struct {
	cmd     *exec.Cmd
	baseURL string
	stderr  *strings.Builder
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startSandbox(t *testing.T, args ...string) *sandboxProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GORACE=atexit_sleep_ms=0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sandboxProc{cmd: cmd, stderr: &strings.Builder{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.stderr.WriteString(sc.Text() + "\n")
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case p.baseURL = <-found:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("sandbox did not announce its URL")
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

func (p *sandboxProc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

func (p *sandboxProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sandbox exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("sandbox ignored SIGTERM")
	}
}
