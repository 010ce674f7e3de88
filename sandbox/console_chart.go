package sandbox

import (
	"fmt"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/money"
)

// chart is the balance over time as an SVG the server draws: a step line
// (the balance holds until the next billing event) over evenly spaced events,
// so a burst of events in one second stays readable. Only numbers go into
// its attributes.
type chart struct {
	W, H       int
	Line, Area string // SVG path data
	Dots       []dot
	Max, Min   string
	From, To   string
	Empty      bool
}

type dot struct {
	X, Y  float64
	Label string
}

const chartW, chartH, chartPad = 560, 120, 6

func drawChart(vals []int64, from, to string) chart {
	c := chart{W: chartW, H: chartH, From: from, To: to, Empty: len(vals) < 2}
	lo, hi := int64(0), int64(0)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi == lo {
		hi = lo + 100
	}
	c.Max, c.Min = money.Dollars(hi), money.Dollars(lo)
	x := func(i int) float64 {
		if len(vals) < 2 {
			return chartPad
		}
		return chartPad + float64(i)*float64(chartW-2*chartPad)/float64(len(vals)-1)
	}
	y := func(v int64) float64 {
		return chartPad + float64(hi-v)*float64(chartH-2*chartPad)/float64(hi-lo)
	}
	var line strings.Builder
	for i, v := range vals {
		if i == 0 {
			fmt.Fprintf(&line, "M%.1f %.1f", x(i), y(v))
		} else {
			fmt.Fprintf(&line, " H%.1f V%.1f", x(i), y(v))
		}
		c.Dots = append(c.Dots, dot{X: x(i), Y: y(v), Label: money.Dollars(v)})
	}
	c.Line = line.String()
	c.Area = fmt.Sprintf("%s V%.1f H%.1f Z", c.Line, y(lo), x(0))
	return c
}
