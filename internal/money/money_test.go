package money

import "testing"

func TestDollars(t *testing.T) {
	t.Parallel()
	for c, want := range map[int64]string{0: "$0.00", 5: "$0.05", 1234: "$12.34", -25: "-$0.25", 100000: "$1000.00"} {
		if got := Dollars(c); got != want {
			t.Errorf("Dollars(%d) = %q, want %q", c, got, want)
		}
	}
}
