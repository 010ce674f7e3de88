package toolkit

import (
	"encoding/json"
	"reflect"
	"testing"
)

// OKWith splices a member into the service's answer: the result must decode
// to what decoding, adding and re-encoding gave, and anything it cannot
// splice safely is declined (then get_balance decodes, as before).
func TestOkWithSplicesOrDeclines(t *testing.T) {
	t.Parallel()
	budget := map[string]any{"spent_cents": int64(725), "limit_cents": int64(1000), "left_cents": int64(275)}
	for _, raw := range []string{
		`{"balance_cents":0,"balance_display":"$0.00","has_payment_method":false}`,
		"  {\n \"a\": [1, {\"b\": \"}\"}] }\n",
		`{}`, `{ }`,
		`{"note":"<script>alert(1)</script>\n"}`,
		`{"a":"\u0061"}`, // masking decodes it afterwards (TestResultFastPathNeverSkipsTheScrubber)
	} {
		res, spliced := OKWith(json.RawMessage(raw), "budget", budget, "s")
		if !spliced {
			t.Fatalf("%q declined", raw)
		}
		var got, want map[string]any
		if err := json.Unmarshal(res.RawStructuredContent, &got); err != nil {
			t.Fatalf("%q: spliced bytes do not decode: %v: %s", raw, err, res.RawStructuredContent)
		}
		json.Unmarshal([]byte(raw), &want)
		b, _ := json.Marshal(budget)
		var bv any
		json.Unmarshal(b, &bv)
		want["budget"] = bv
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %v, want %v", raw, got, want)
		}
	}
	for _, raw := range []string{
		`{"budget":{"left_cents":999999}}`, // the service's own "budget" would be one of two
		`{"x":1,"budget":0}`,               // anywhere in it
		`[1,2]`, `"x"`, `{"a":`, `{"a":1}}`, ``,
	} {
		if _, spliced := OKWith(json.RawMessage(raw), "budget", budget, "s"); spliced {
			t.Errorf("%q spliced", raw)
		}
	}
}
