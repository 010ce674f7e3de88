package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// BenchmarkStart is a server's start in-process: the command tree, flags
// and variables, app.Build (every tool, its schemas, prompts, resources, the
// services door), then the initialize answer on stdio. A cold start adds
// process creation and package inits (bench measures those); this is the
// part that is ours (docs/benchmarks.md).
func BenchmarkStart(b *testing.B) {
	home := b.TempDir()
	for k, v := range map[string]string{"XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "MYAPI_CREDENTIAL_STORE": "file",
		"MYAPI_LOG_LEVEL": "warn", "MYAPI_BASE_URL": "http://127.0.0.1:1", "GOGC": "100"} {
		b.Setenv(k, v)
	}
	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",` +
		`"capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}` + "\n"
	b.ReportAllocs()
	for b.Loop() {
		var out bytes.Buffer
		if code := run(nil, strings.NewReader(initialize), &out, io.Discard); code != 0 || !strings.Contains(out.String(), `"serverInfo"`) {
			b.Fatalf("exit %d: %s", code, out.String())
		}
	}
}
