package metrics

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processFamilies are what Linux tells of this process in /proc/self:
// its memory and its file descriptors.
func processFamilies() []family {
	var fams []family
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		// size resident shared text lib data dt, in pages.
		if f := strings.Fields(string(b)); len(f) >= 2 {
			page := float64(os.Getpagesize())
			if size, err := strconv.ParseUint(f[0], 10, 64); err == nil {
				fams = append(fams, gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", float64(size)*page))
			}
			if rss, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				fams = append(fams, gauge("process_resident_memory_bytes", "Resident memory size in bytes.", float64(rss)*page))
			}
		}
	}
	if d, err := os.Open("/proc/self/fd"); err == nil {
		// The count includes the descriptor reading it, as the client
		// library's did.
		names, err := d.Readdirnames(-1)
		d.Close()
		if err == nil {
			fams = append(fams, gauge("process_open_fds", "Number of open file descriptors.", float64(len(names))))
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		fams = append(fams, gauge("process_max_fds", "Maximum number of open file descriptors.", float64(lim.Cur)))
	}
	return fams
}
