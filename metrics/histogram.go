package metrics

import (
	"slices"
	"sync"
)

// histogram is a histogram family with one label: per label value, how
// many observations fell at or under each upper bound.
type histogram struct {
	name, help, label string
	bounds            []float64 // ascending; +Inf is implied

	mu     sync.Mutex
	series map[string]*observed
}

type observed struct {
	in  []uint64 // per bucket, not cumulative: len(bounds)+1, the last for +Inf
	sum float64
	n   uint64
}

func newHistogram(name, help, label string, bounds ...float64) *histogram {
	return &histogram{name: name, help: help, label: label, bounds: bounds, series: map[string]*observed{}}
}

// observe records v in the series of value.
func (h *histogram) observe(value string, v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // the first bound ≥ v: buckets are "le"
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.series[value]
	if s == nil {
		s = &observed{in: make([]uint64, len(h.bounds)+1)}
		h.series[value] = s
	}
	s.in[i]++
	s.sum += v
	s.n++
}

// collect is the family's snapshot: per series, sorted, its cumulative
// buckets up to +Inf (which equals _count), then _sum and _count.
func (h *histogram) collect() family {
	h.mu.Lock()
	values := make([]string, 0, len(h.series))
	snap := make(map[string]observed, len(h.series))
	for v, s := range h.series {
		values = append(values, v)
		snap[v] = observed{in: slices.Clone(s.in), sum: s.sum, n: s.n}
	}
	h.mu.Unlock()
	slices.Sort(values)
	f := family{name: h.name, help: h.help, kind: "histogram"}
	for _, v := range values {
		s := snap[v]
		var below uint64
		for i, n := range s.in {
			below += n
			le := "+Inf"
			if i < len(h.bounds) {
				le = number(h.bounds[i])
			}
			f.samples = append(f.samples, sample{suffix: "_bucket", labels: []label{{h.label, v}, {"le", le}}, value: float64(below)})
		}
		f.samples = append(f.samples,
			sample{suffix: "_sum", labels: []label{{h.label, v}}, value: s.sum},
			sample{suffix: "_count", labels: []label{{h.label, v}}, value: float64(s.n)})
	}
	return f
}
