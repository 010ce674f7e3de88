package metrics

import (
	"runtime"
	"time"
)

// The Go runtime's and the process's own metrics, read at each scrape:
// a few that operators graph (memory, goroutines, CPU, restarts), with the
// client library's names and help texts so dashboards keep working. They
// read the runtime and the OS directly: runtime/metrics, expvar and
// procfs, which the client library used, run package initialisers on
// every start of every mode (docs/dependencies.md).

// started is when the package was initialised: the process's start, to
// within the milliseconds before main runs.
var started = time.Now()

// runtimeFamilies are the Go and process metrics now. One that the OS
// cannot tell (no /proc, no getrusage) is left out.
func runtimeFamilies() []family {
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	fams := []family{
		gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine())),
		gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", float64(mem.HeapAlloc)),
		gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", float64(mem.Sys)),
		{name: "go_info", help: "Information about the Go environment.", kind: "gauge",
			samples: []sample{{labels: []label{{"version", runtime.Version()}}, value: 1}}},
		gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", float64(started.UnixMicro())/1e6),
	}
	if s, ok := cpuSeconds(); ok {
		fams = append(fams, family{name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.",
			kind: "counter", samples: []sample{{value: s}}})
	}
	return append(fams, processFamilies()...)
}
