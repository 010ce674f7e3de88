package metrics

import (
	"slices"
	"strings"
	"sync"
)

// counter is a counter family whose series are keyed by their label
// values. Its label names are sorted (the text format's order, which the
// tests and dashboards read).
type counter struct {
	name, help string
	labels     []string

	mu     sync.Mutex
	series map[string]*counted // by the label values, joined
}

type counted struct {
	values []string
	n      uint64
}

func newCounter(name, help string, labels ...string) *counter {
	return &counter{name: name, help: help, labels: labels, series: map[string]*counted{}}
}

// inc counts one more for the series of values, given in the order of
// c.labels. Callers map each value into its closed set first.
func (c *counter) inc(values ...string) {
	key := strings.Join(values, "\xff")
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.series[key]
	if s == nil {
		s = &counted{values: values}
		c.series[key] = s
	}
	s.n++
}

// collect is the family's snapshot, its series sorted by label values.
func (c *counter) collect() family {
	c.mu.Lock()
	all := make([]counted, 0, len(c.series))
	for _, s := range c.series {
		all = append(all, *s)
	}
	c.mu.Unlock()
	slices.SortFunc(all, func(a, b counted) int { return slices.Compare(a.values, b.values) })
	f := family{name: c.name, help: c.help, kind: "counter"}
	for _, s := range all {
		ls := make([]label, len(c.labels))
		for i, name := range c.labels {
			ls[i] = label{name, s.values[i]}
		}
		f.samples = append(f.samples, sample{labels: ls, value: float64(s.n)})
	}
	return f
}
