//go:build !race

package e2e

// raceBuild: the binary under test is built with -race only when the tests
// are, so a plain `go test ./...` does not pay for it.
const raceBuild = false
