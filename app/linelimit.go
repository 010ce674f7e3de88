package app

import (
	"bufio"
	"errors"
	"io"
)

// MaxLine is the longest JSON-RPC message accepted on stdin. Real requests
// are kilobytes (the largest tool argument is 100 KB of markdown).
const MaxLine = 4 << 20

// oversized ends a line that was cut: what reaches the server is not JSON,
// so it answers a parse error and reads on.
var oversized = []byte(" <request over 4 MiB dropped>\n")

// lineLimiter passes stdin through, except that a line longer than max is
// cut at max and the rest of it discarded as it streams by: memory stays
// bounded by max whatever the host (or an attacker on the pipe) sends.
type lineLimiter struct {
	src      *bufio.Reader
	max      int
	lineLen  int
	dropping bool
	out      []byte
	err      error
}

func newLineLimiter(r io.Reader, max int) *lineLimiter {
	return &lineLimiter{src: bufio.NewReaderSize(r, 64<<10), max: max}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		chunk, err := l.src.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			l.err = err
		}
		ended := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		l.lineLen += len(chunk)
		switch {
		case l.dropping:
		case l.lineLen > l.max:
			l.dropping = true
		default:
			l.out = append(l.out, chunk...) // ReadSlice's buffer is reused: copy
		}
		if ended {
			if l.dropping {
				l.out = append(l.out, oversized...)
			}
			l.lineLen, l.dropping = 0, false
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	if len(l.out) == 0 {
		l.out = l.out[:0:0] // do not keep a large backing array alive
	}
	return n, nil
}
