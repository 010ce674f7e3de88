package metrics

import "sync/atomic"

// Gauge is a count that goes up and down (the tool calls in flight).
type Gauge struct{ v atomic.Int64 }

// Inc adds one.
func (g *Gauge) Inc() { g.v.Add(1) }

// Dec takes one away.
func (g *Gauge) Dec() { g.v.Add(-1) }

// Value is the count now.
func (g *Gauge) Value() int64 { return g.v.Load() }
