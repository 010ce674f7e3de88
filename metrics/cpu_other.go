//go:build !unix

package metrics

// cpuSeconds: no getrusage here (Windows, js, wasip1, plan9), so
// process_cpu_seconds_total is left out.
func cpuSeconds() (float64, bool) { return 0, false }
