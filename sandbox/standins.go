package sandbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// ServiceHosts are the ecosystem's hosts the sandbox stands in for, the hub
// first (docs/api.md, "Ecosystem services").
var ServiceHosts = []string{"myapihq.com", "mydomainapi.com", "myemailapi.com", "myfunnelapi.com",
	"mystorageapi.com", "mywebhookapi.com", "myworkflowapi.com"}

// routeDoc is one API route as the hub's generated llms.txt lists it.
type routeDoc struct {
	pattern string
	auth    authKind
}

// serviceCall is one request a stand-in received. Never the key.
type serviceCall struct {
	Service   string `json:"service"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	AccountID string `json:"account_id,omitempty"`
	OrgID     string `json:"org_id,omitempty"`
	Status    int    `json:"status"`
	Time      string `json:"time"`
}

// serviceLog keeps the last requests the stand-ins received, in memory.
type serviceLog struct {
	mu    sync.Mutex
	calls []serviceCall
}

const maxServiceCalls = 10_000

func (l *serviceLog) add(c serviceCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) >= maxServiceCalls {
		l.calls = append(l.calls[:0], l.calls[len(l.calls)/2:]...)
	}
	l.calls = append(l.calls, c)
}

func (l *serviceLog) list() []serviceCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]serviceCall{}, l.calls...)
}

type svcCallKey struct{}

// mountServices serves the stand-ins under /_services/<host>/ and their
// request log at /_sandbox/service-calls. api is the hub's own route
// table, which its generated llms.txt lists.
func (s *Server) mountServices(api []routeDoc) {
	log := &serviceLog{}
	known := map[string]bool{}
	for _, h := range ServiceHosts {
		known[h] = true
	}
	record := func(w http.ResponseWriter, r *http.Request, host string, serve func(http.ResponseWriter, *http.Request)) {
		rec := &serviceCall{Service: host, Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/_services/"+host), Time: stamp(ms(s.now()))}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		serve(sw, r.WithContext(context.WithValue(r.Context(), svcCallKey{}, rec)))
		rec.Status = sw.status
		// a request without a key is listed too: keep each entry small
		rec.Method, rec.Path, rec.OrgID = textsafe.ClipBytes(rec.Method, maxLoggedField), textsafe.ClipBytes(rec.Path, maxLoggedField), textsafe.ClipBytes(rec.OrgID, maxLoggedField)
		log.add(*rec)
	}
	standIn := s.handle(authAPIKey, s.standIn)
	s.mux.HandleFunc("/_services/{host}/{path...}", func(w http.ResponseWriter, r *http.Request) {
		host := r.PathValue("host")
		if !known[host] {
			writeError(w, fail(404, "unknown_service", "the sandbox stands in for %s only", strings.Join(ServiceHosts, ", ")))
			return
		}
		if r.Method == http.MethodGet && r.PathValue("path") == "llms.txt" {
			record(w, r, host, func(w http.ResponseWriter, r *http.Request) { s.serviceDocs(w, r, host, api) })
			return
		}
		record(w, r, host, standIn)
	})
	s.mux.Handle("GET /_sandbox/service-calls", loopbackOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, log.list())
	})))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// serviceDocs is the stand-in's llms.txt: for the hub, the sandbox's own
// routes; for the others, what the stand-in does.
func (s *Server) serviceDocs(w http.ResponseWriter, r *http.Request, host string, api []routeDoc) {
	base := "http://" + r.Host
	if s.opts.PublicURL != "" {
		base = strings.TrimRight(s.opts.PublicURL, "/")
	}
	var b strings.Builder
	if host == ServiceHosts[0] {
		fmt.Fprintf(&b, "# MyAPIHQ (sandbox)\n\n> The MyAPIHQ sandbox: a stateful offline copy of the hub's API. "+
			"This list is generated from the sandbox's route table. No real money moves and no real mail is sent.\n\n"+
			"Base URL: %s\n\n## Endpoints\n\n", base)
		names := map[authKind]string{authNone: "no auth", authJWT: "JWT", authHuman: "human JWT", authAgent: "agent JWT", authAPIKey: "API key"}
		rows := make([]string, 0, len(api))
		for _, rt := range api {
			rows = append(rows, fmt.Sprintf("- `%s` (%s)", rt.pattern, names[rt.auth]))
		}
		slices.Sort(rows)
		b.WriteString(strings.Join(rows, "\n") + "\n")
	} else {
		fmt.Fprintf(&b, "# %s (sandbox stand-in)\n\n> This is NOT the real %s: the MyAPIHQ sandbox stands in for it so agents can "+
			"practise the calls offline. It has no endpoints of its own.\n\n"+
			"## What the stand-in does\n\n"+
			"- Any method on any path: the API key (Authorization: Bearer) is checked as the hub checks it (401 if unknown or revoked).\n"+
			"- An `org_id` in the query or the JSON body must belong to the key's workspace (403 otherwise).\n"+
			"- Each write (POST, PUT, PATCH, DELETE) charges 1 cent of usage to the workspace balance, shown in billing history (402 when the balance cannot cover it).\n"+
			"- The answer echoes the request: {\"sandbox\": true, \"service\", \"method\", \"path\", \"account_id\", \"org_id\", \"received\"}.\n"+
			"- Every request is listed at GET /_sandbox/service-calls.\n\n"+
			"For the real endpoints, read https://%s/llms.txt.\n", host, host, host)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, hashSecret(b.String())[:16]))
	if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(200)
	w.Write([]byte(b.String())) //nolint:errcheck
}

// standIn answers any other request on a stand-in, in the request's
// transaction: key (by handle), org ownership, the usage charge.
func (s *Server) standIn(c *call) (int, any, error) {
	rec, _ := c.r.Context().Value(svcCallKey{}).(*serviceCall)
	if rec == nil {
		rec = &serviceCall{}
	}
	host := c.r.PathValue("host")
	path := "/" + c.r.PathValue("path")
	rec.AccountID = c.acct.ID
	received := map[string]any{}
	orgID := c.r.URL.Query().Get("org_id")
	if q := c.r.URL.Query(); len(q) > 0 {
		flat := map[string]string{}
		for k := range q {
			flat[k] = q.Get(k)
		}
		received["query"] = flat
	}
	if body := bytes.TrimSpace(c.body); len(body) > 0 {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			v = string(body)
		}
		received["body"] = v
		if m, isObj := v.(map[string]any); isObj && orgID == "" {
			orgID, _ = m["org_id"].(string)
		}
	}
	rec.OrgID = orgID
	if orgID != "" {
		var one int
		err := c.tx.QueryRow(`SELECT 1 FROM orgs WHERE id = ? AND account_id = ?`, orgID, c.acct.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil, fail(403, "org_forbidden", "organization %s does not belong to this API key's workspace", orgID)
		}
		if err != nil {
			return 0, nil, err
		}
	}
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
		if c.acct.BalanceCents < 1 {
			return 0, nil, fail(http.StatusPaymentRequired, "insufficient_balance",
				"balance %s cannot cover this call (1 cent): top up at POST /hq/billing/topup", money.Dollars(c.acct.BalanceCents))
		}
		if _, _, err := c.addBilling("charge", -1, "Usage: "+host+" "+c.r.Method+" "+path, newID("use")); err != nil {
			return 0, nil, err
		}
	}
	var org any
	if orgID != "" {
		org = orgID
	}
	return http.StatusOK, map[string]any{"sandbox": true, "service": host, "method": c.r.Method, "path": path,
		"account_id": c.acct.ID, "org_id": org, "received": received}, nil
}
