package hqclient

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzResponseBodies: whatever a service sends back, reading it as an error,
// unwrapping it as an envelope or decoding a typed view never panics.
func FuzzResponseBodies(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `null`, `"x"`, `{"success":false}`, `{"success":true,"data":null}`,
		`{"success":"yes","data":1}`, `{"error":{"code":1,"message":[]}}`, `{"error":"a","message":"b c"}`,
		`{"meta":{"request_id":5}}`, `{"items":{"x":1}}`, "\xff\xfe", `{"id":"imp_1","job_id":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		parseErrorBody(body)
		if raw, err := unwrap(body); err == nil {
			var jobs []ImportJob
			decodeTolerant(raw, &jobs)
			var acct Account
			decodeTolerant(raw, &acct)
			var bal Balance
			decodeTolerant(raw, &bal)
			if !json.Valid(raw) {
				t.Fatalf("unwrap returned invalid JSON %q for %q", raw, body)
			}
		}
		parseRetryAfter(string(body), time.Unix(0, 0), time.Minute)
		TokenClaims(string(body))
	})
}
