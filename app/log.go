package app

import (
	"log"
	"strings"

	"github.com/rs/zerolog"
)

// newStdLogger routes mcp-go's *log.Logger output into zerolog.
func newStdLogger(l zerolog.Logger) *log.Logger {
	return log.New(zerologWriter{l}, "", 0)
}

type zerologWriter struct{ l zerolog.Logger }

func (w zerologWriter) Write(p []byte) (int, error) {
	w.l.Warn().Str("component", "mcp-go").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
