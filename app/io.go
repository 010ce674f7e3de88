package app

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IO is a command's standard streams, and whether each is a terminal: a
// question needs someone at the input, and a secret printed to an output
// that is not a terminal lands in a file or a pipe. main fills it from the
// process (NewIO); tests inject their own.
type IO struct {
	In          io.Reader
	Out, Err    io.Writer
	InTerminal  bool
	OutTerminal bool
}

// NewIO wraps the given streams, asking the OS whether each is a terminal
// (only an *os.File can be one).
func NewIO(in io.Reader, out, errOut io.Writer) IO {
	return IO{In: in, Out: out, Err: errOut, InTerminal: isTerminal(in), OutTerminal: isTerminal(out)}
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
