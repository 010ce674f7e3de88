package app

import (
	"bufio"
	"strings"
	"testing"
)

func TestLineLimiter(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 5<<20)
	input := `{"a":1}` + "\n" + big + "\n" + `{"b":2}` + "\n" + strings.Repeat("y", 100) + "\n" + `{"tail":true}`
	l := newLineLimiter(strings.NewReader(input), 1<<20)
	sc := bufio.NewScanner(l)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if cap(l.out) > 2<<20 {
			t.Fatalf("held %d bytes for a 1 MiB limit", cap(l.out))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 5 || lines[0] != `{"a":1}` || !strings.HasSuffix(lines[1], "dropped>") || len(lines[1]) > 1<<20+64 ||
		lines[2] != `{"b":2}` || len(lines[3]) != 100 || lines[4] != `{"tail":true}` {
		t.Fatalf("%d lines: %q… %q %q", len(lines), lines[0], lines[2], lines[len(lines)-1])
	}
}
