package credentials

import (
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name every item is stored under.
const Service = "myapihq-mcp"

// maxItemBytes keeps every item well under Windows' 2,560-byte limit.
const maxItemBytes = 2048

// Provider is the OS keyring as go-keyring exposes it. Tests inject their own:
// go-keyring's mock is process-global and not safe for concurrent use.
type Provider interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// SystemKeyring is the real OS keyring (Keychain, Credential Manager, Secret Service).
type SystemKeyring struct{}

func (SystemKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (SystemKeyring) Set(s, u, v string) error        { return keyring.Set(s, u, v) }
func (SystemKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// ErrNotFound: no such item.
var ErrNotFound = errors.New("not found in the credential store")

// UnavailableError: the keyring cannot be used here (no Secret Service, no
// D-Bus, a locked or missing collection, an unsupported platform).
type UnavailableError struct {
	Op  string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("OS keyring unavailable (%s: %v): on headless Linux start a Secret Service (gnome-keyring), "+
		"or use --credential-store file", e.Op, e.Err)
}
func (e *UnavailableError) Unwrap() error { return e.Err }

// TimeoutError: the keyring did not answer in time, typically a locked
// collection waiting on a prompt nobody will see.
type TimeoutError struct {
	Op    string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("OS keyring did not answer %s within %s (is it locked?): unlock it, or use --credential-store file", e.Op, e.After)
}

// TooLargeError: a value over maxItemBytes.
type TooLargeError struct {
	Field string
	Size  int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, over the %d-byte keyring item limit", e.Field, e.Size, maxItemBytes)
}

// keyringBackend is the one wrapper every keyring call goes through: a
// timeout (go-keyring can block forever on a prompt) and typed errors.
type keyringBackend struct {
	p       Provider
	timeout time.Duration
}

// withTimeout runs f in a goroutine. If it does not return in time the
// goroutine is abandoned (it cannot be cancelled); the buffered channel
// lets it exit whenever the keyring finally answers.
func withTimeout[T any](timeout time.Duration, op string, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.v, classify(op, r.err)
	case <-t.C:
		var zero T
		return zero, &TimeoutError{Op: op, After: timeout}
	}
}

func classify(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &TooLargeError{Field: op}
	}
	return &UnavailableError{Op: op, Err: err}
}

func (k *keyringBackend) name() string { return "keyring" }

func (k *keyringBackend) get(user string) (string, error) {
	return withTimeout(k.timeout, "read", func() (string, error) { return k.p.Get(Service, user) })
}

func (k *keyringBackend) set(user, value string) error {
	if len(value) > maxItemBytes {
		return &TooLargeError{Field: user, Size: len(value)}
	}
	_, err := withTimeout(k.timeout, "write", func() (struct{}, error) { return struct{}{}, k.p.Set(Service, user, value) })
	return err
}

func (k *keyringBackend) del(user string) error {
	_, err := withTimeout(k.timeout, "delete", func() (struct{}, error) { return struct{}{}, k.p.Delete(Service, user) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// keyringCause says in a few words why the keyring could not be used,
// without the errors' advice (which suggests the file auto mode falls
// back to by itself).
func keyringCause(err error) string {
	var u *UnavailableError
	var t *TimeoutError
	switch {
	case errors.As(err, &u):
		return u.Op + ": " + u.Err.Error()
	case errors.As(err, &t):
		return fmt.Sprintf("it did not answer %s within %s: is it locked?", t.Op, t.After)
	}
	return err.Error()
}

// unusable reports an error that means "this backend cannot be used here",
// as opposed to a missing item.
func unusable(err error) bool {
	var u *UnavailableError
	var t *TimeoutError
	return errors.As(err, &u) || errors.As(err, &t)
}
