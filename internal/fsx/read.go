package fsx

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotRegular: ReadRegular found a device, a FIFO, a socket or a folder
// where a file was expected.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: ReadRegular found a file over its cap.
var ErrTooLarge = errors.New("file over the size cap")

// ReadRegular is os.ReadFile for a file someone else names, such as a
// host's settings: it follows links, then reads only a regular file of at
// most max bytes. A device (/dev/zero), a FIFO or a folder is refused
// before a byte is read, and the open never waits for a FIFO's writer.
func ReadRegular(name string, max int64) ([]byte, error) {
	// Checked before the open too: opening some devices has effects.
	if fi, err := os.Stat(name); err != nil {
		return nil, err
	} else if err := fits(name, fi, max); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat() // what was opened, should name have changed since
	if err != nil {
		return nil, err
	}
	if err := fits(name, fi, max); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max { // it grew while being read
		return nil, &os.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, max)}
	}
	return b, nil
}

func fits(name string, fi os.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() {
		return &os.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
	}
	if fi.Size() > max {
		return &os.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w of %d bytes (it has %d)", ErrTooLarge, max, fi.Size())}
	}
	return nil
}

// kind names a file type for an error message.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + m.Type().String()
	}
}
