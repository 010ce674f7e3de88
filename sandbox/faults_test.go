package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	f, err := ParseFaults("5xx=0.2, 429=0.05,drop=0.1,latency=20ms,seed=7,retry-after=0s")
	if err != nil || f.P5xx != 0.2 || f.P429 != 0.05 || f.PDrop != 0.1 || f.Latency != 20*time.Millisecond || f.Seed != 7 || f.RetryAfter != 0 {
		t.Fatalf("%+v %v", f, err)
	}
	if f, _ := ParseFaults(""); f.Active() {
		t.Fatal("empty spec is active")
	}
	for _, bad := range []string{"5xx", "5xx=2", "boom=1", "latency=fast", "5xx=0.6,drop=0.6"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestFaultsAreSeededAndDropsCommit: the same seed gives the same faults,
// and a dropped answer still changed the state.
func TestFaultsAreSeededAndDropsCommit(t *testing.T) {
	t.Parallel()
	run := func() (string, int) {
		tt := newTester(t, Options{Faults: Faults{P5xx: 0.2, P429: 0.1, PDrop: 0.2, Seed: 42}})
		var seq strings.Builder
		drops := 0
		for i := 0; i < 60; i++ {
			resp, err := http.Post(tt.srv.URL+"/hq/account/agent/create", "application/json", nil)
			switch {
			case err != nil:
				seq.WriteByte('d')
				drops++
			default:
				seq.WriteString(map[int]string{201: ".", 503: "5", 429: "4"}[resp.StatusCode])
				resp.Body.Close()
			}
		}
		_, l := tt.do("GET", "/_sandbox/ledger", "", nil)
		created := int(l["agents"].(float64))
		if want := strings.Count(seq.String(), ".") + drops; created != want {
			t.Fatalf("%d agents for %d answered + %d dropped creates", created, want-drops, drops)
		}
		return seq.String(), drops
	}
	a, drops := run()
	b, _ := run()
	if a != b || drops == 0 || !strings.Contains(a, "5") || !strings.Contains(a, "4") {
		t.Fatalf("runs differ or lack faults:\n%s\n%s", a, b)
	}
}
