package randid

import (
	"regexp"
	"testing"
)

func TestShapes(t *testing.T) {
	t.Parallel()
	if h := Hex(16); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(h) {
		t.Fatalf("Hex(16) = %q", h)
	}
	if b := Base32(10); !regexp.MustCompile(`^[a-z2-7]{16}$`).MatchString(b) {
		t.Fatalf("Base32(10) = %q", b)
	}
	if a, b := Hex(8), Hex(8); a == b {
		t.Fatal("two draws are equal")
	}
}
