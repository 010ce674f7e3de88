package metrics

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// contentType is the Prometheus text exposition format, version 0.0.4:
// what every scraper reads, and what /metrics writes.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// A family is one metric as a scrape sees it: a snapshot of its series.
type family struct {
	name, help string
	kind       string // counter, gauge or histogram
	samples    []sample
}

// A sample is one line of a family: name+suffix{labels} value.
type sample struct {
	suffix string // "", or a histogram's _bucket, _sum, _count
	labels []label
	value  float64
}

type label struct{ name, value string }

// gauge is a family of one unlabelled sample.
func gauge(name, help string, v float64) family {
	return family{name: name, help: help, kind: "gauge", samples: []sample{{value: v}}}
}

// text writes the families in the text format, sorted by name, each with
// its HELP and TYPE lines; a family without samples is left out (as the
// client library did: a series appears once something counted it).
func text(fams []family) []byte {
	slices.SortFunc(fams, func(a, b family) int { return strings.Compare(a.name, b.name) })
	var b bytes.Buffer
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue
		}
		b.WriteString("# HELP " + f.name + " " + escape(f.help, false) + "\n")
		b.WriteString("# TYPE " + f.name + " " + f.kind + "\n")
		for _, s := range f.samples {
			b.WriteString(f.name + s.suffix)
			sep := "{"
			for _, l := range s.labels {
				b.WriteString(sep + l.name + `="` + escape(l.value, true) + `"`)
				sep = ","
			}
			if len(s.labels) > 0 {
				b.WriteString("}")
			}
			b.WriteString(" " + number(s.value) + "\n")
		}
	}
	return b.Bytes()
}

// number is a value as the format writes it: Go's shortest float, which
// is also how it spells +Inf, -Inf and NaN.
func number(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escape is s as the format wants it: a backslash and a line feed
// escaped, and in a label value (quoted) a double quote too. Every label
// value here comes from a closed set, so this is the second line of
// defence, not the first.
func escape(s string, quoted bool) string {
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '"' && quoted:
			b.WriteString(`\"`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
