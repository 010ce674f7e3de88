package e2e

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSandboxPrintsConsole: `myapihq-mcp sandbox` says where its console is,
// the console answers there, and a console left open (its live stream) does
// not hold up a clean stop.
func TestSandboxPrintsConsole(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "sandbox", "--addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Environ(), "GORACE=atexit_sleep_ms=0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`console: (http://127\.0\.0\.1:\d+/_sandbox/console)$`)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(20 * time.Second):
		t.Fatal("the sandbox did not print its console URL")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Request log") {
		t.Fatalf("console: %d %.300s", resp.StatusCode, page)
	}

	stream, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if _, err := bufio.NewReader(stream.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("stopping with a console open took %v", d)
	}
}
