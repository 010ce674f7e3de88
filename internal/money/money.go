// Package money formats amounts: every amount here is a whole number of
// US cents, as the HQ API counts them.
package money

import "fmt"

// Dollars writes cents as the API's display strings do: "$12.34", "-$0.25".
func Dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%d.%02d", sign, cents/100, cents%100)
}
