//go:build race

package e2e

// raceBuild: the binary under test is built with -race when the tests are.
const raceBuild = true
