package sandbox

import (
	"net/url"

	"github.com/myapihq/myapihq-mcp/internal/markup"
)

// The console page, written with markup (internal/markup): the format is
// ours, and every value from the state (labels, brand kits, webhook
// bodies, mail) is escaped where it is put.

// consolePage is the whole page; its live part is what the stream sends.
func consolePage(w *markup.Builder, v consoleView) {
	w.F(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox console · MyAPIHQ</title>
<link rel="stylesheet" href="/_sandbox/console/style.css">
<link rel="icon" href="/_sandbox/console/icon.svg" type="image/svg+xml">
<script src="/_sandbox/console/app.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">HQ</span> MyAPIHQ <span class="tag">sandbox</span> console</div>
  <nav>`)
	w.If(v.Focus != "", `<a href="/_sandbox/console">all accounts</a>`)
	w.F(`
    <span id="status" class="status" title="live updates">static</span></nav>
</header>
<main id="live">`)
	consoleLive(w, v)
	w.F(`</main>
<footer>Read-only view of this sandbox's state. Secrets are never shown: keys by their last 4, no PIN, password, token or webhook secret. Test mode: no real money moves.</footer>
</body>
</html>`)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func consoleLive(w *markup.Builder, v consoleView) {
	w.F(`<div class="meta">
  <span>updated <b>%s</b> UTC</span>
  <span>%d account%s`, v.Now, len(v.Accounts), plural(len(v.Accounts)))
	w.If(v.More > 0, ` (+%d older not shown)`, v.More)
	w.F(`</span>
  <span>%d request%s logged (the last %d are kept)</span>
  <span>import delay %s</span>
  <span>faults %s</span>
</div>
<div class="layout">
<div class="accounts">
`, v.RequestCount, plural(v.RequestCount), v.RequestCap, v.ImportDelay, v.Faults)
	w.If(len(v.Accounts) == 0, `<section class="card empty"><h2>No account yet</h2><p>When your agent calls <code>create_agent</code> (or a human registers), it shows up here, live.</p></section>`)
	for _, a := range v.Accounts {
		consoleAccount(w, a)
	}
	w.F(`</div>

<div class="side">
`)
	consoleAuditTrail(w, v)
	consoleRequestLog(w, v)
	w.F(`
</div>
</div>`)
}

func consoleAccount(w *markup.Builder, a acctView) {
	w.F(`
<section class="card account" id="%s">
  <div class="acct-head">
    <div>
      <span class="kind kind-%s">%s</span>
      <h2><a href="%s" class="mono">%s</a></h2>
      `, a.ID, a.Kind, a.Kind, markup.URL("/_sandbox/console?account="+url.QueryEscape(a.ID)), a.ID)
	w.If(a.Label != "", `<span class="label">“%s”</span>`, a.Label)
	w.F(`
      `)
	if a.Email != "" {
		w.F(`<span class="email">%s</span> `, a.Email)
		if a.Verified {
			w.F(`<span class="pill ok">verified</span>`)
		} else {
			w.F(`<span class="pill warn">unverified</span>`)
		}
	}
	card := "no card on file"
	if a.HasCard {
		card = "card on file"
	}
	w.F(`
    </div>
    <div class="balance"><div class="amount">%s</div><div class="sub">%s</div></div>
  </div>
  <div class="facts">
    <span>created %s</span>
    `, a.Balance, card, a.Created)
	if len(a.LinkedTo) > 0 {
		w.F(`<span>linked to `)
		for i, id := range a.LinkedTo {
			w.If(i > 0, `, `)
			w.F(`<a href="%s" class="mono">%s</a>`, markup.URL("#"+id), id)
		}
		w.F(`</span>`)
	}
	w.F(`
    `)
	w.If(a.Kind == "agent", `<span>PIN: set (••••••, never shown)</span>`)
	w.F(`
  </div>
`)
	if len(a.Keys) > 0 || len(a.Billing) > 0 {
		w.F(`
  <div class="grid2">
  <div>
    <h3>Balance over time</h3>
    `)
		consoleChart(w, a.Chart)
		w.F(`
  </div>
  <div>
    <h3>API keys <span class="count">%d</span></h3>
    `, len(a.Keys))
		consoleKeys(w, a.Keys)
		w.F(`
  </div>
  </div>`)
	}
	consoleBilling(w, a.Billing)
	consoleOrgs(w, a.Orgs)
	consoleDeliveries(w, a.Deliveries)
	consoleImports(w, a.Imports)
	consoleMail(w, a.Mail)
	w.If(a.Nothing != "", `
  <p class="muted nothing">Nothing yet: %s.</p>`, a.Nothing)
	w.F(`
</section>
`)
}

// consoleChart: only numbers and our own path data go into its attributes.
func consoleChart(w *markup.Builder, c chart) {
	if c.Empty {
		w.F(`<p class="muted">No billing event yet.</p>`)
		return
	}
	w.F(`
    <svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="balance from %s to %s">
      <path class="area" d="%s"/><path class="line" d="%s"/>
      `, c.W, c.H, c.Min, c.Max, c.Area, c.Line)
	for _, d := range c.Dots {
		w.F(`<circle cx="%v" cy="%v" r="3"><title>%s</title></circle>`, d.X, d.Y, d.Label)
	}
	w.F(`
    </svg>
    <div class="axis"><span>%s</span><span>max %s · min %s</span><span>%s</span></div>
    `, c.From, c.Max, c.Min, c.To)
}

func consoleKeys(w *markup.Builder, keys []keyRow) {
	if len(keys) == 0 {
		w.F(`<p class="muted">No API key.</p>`)
		return
	}
	w.F(`<table><thead><tr><th>name</th><th>key</th><th>created</th><th>state</th></tr></thead><tbody>
    `)
	for _, k := range keys {
		w.F(`<tr`)
		w.If(k.Revoked != "", ` class="revoked"`)
		w.F(`><td>%s</td><td class="mono nowrap">%s</td><td class="nowrap">%s</td><td>`, k.Name, k.Masked, k.Created)
		if k.Revoked != "" {
			w.F(`<span class="pill bad">revoked %s</span>`, k.Revoked)
		} else {
			w.F(`<span class="pill ok">active</span>`)
		}
		w.F(`</td></tr>`)
	}
	w.F(`
    </tbody></table>`)
}

func consoleBilling(w *markup.Builder, rows []billRow) {
	if len(rows) == 0 {
		return
	}
	w.F(`
  <h3>Billing history <span class="count">%d</span></h3>
  <table class="ledger"><thead><tr><th>when</th><th>type</th><th>description</th><th class="num">amount</th><th class="num">balance after</th></tr></thead><tbody>
  `, len(rows))
	for _, b := range rows {
		w.F(`<tr title="%s"><td class="nowrap">%s</td><td><span class="pill t-%s">%s</span></td><td>%s`, b.ID, b.At, b.Type, b.Type, b.Description)
		w.If(b.Ref != "", ` <span class="muted mono">%s</span>`, b.Ref)
		sign := "pos"
		if b.Negative {
			sign = "neg"
		}
		w.F(`</td><td class="num %s">%s</td><td class="num">%s</td></tr>`, sign, b.Amount, b.After)
	}
	w.F(`
  </tbody></table>`)
}

// swatches: a palette's colours were checked against cssColor when read.
func swatches(w *markup.Builder, palette []string) {
	for _, c := range palette {
		w.F(`<svg class="swatch" viewBox="0 0 10 10"><rect width="10" height="10" rx="2" fill="%s"/></svg>`, c)
	}
}

func fields(w *markup.Builder, kvs []kv) {
	w.F(`<dl class="fields">`)
	for _, f := range kvs {
		w.F(`<dt>%s</dt><dd>%s</dd>`, f.K, f.V)
	}
	w.F(`</dl>`)
}

func consoleOrgs(w *markup.Builder, orgs []orgRow) {
	w.If(len(orgs) > 0, `
  <h3>Organizations <span class="count">%d</span></h3>`, len(orgs))
	for _, o := range orgs {
		w.F(`
  <div class="org">
    <div class="org-head"><b class="orgname">%s</b> <span class="mono muted">%s</span>
      `, o.Name, o.ID)
		swatches(w, o.Palette)
		w.F(`
      <span class="muted">created %s, updated %s</span></div>
    `, o.Created, o.Updated)
		if len(o.Fields) > 0 {
			fields(w, o.Fields)
		}
		w.F(`
    <div class="hooks"><b>Webhooks</b> `)
		w.If(len(o.Webhooks) == 0, `<span class="muted">none</span>`)
		for _, h := range o.Webhooks {
			w.F(`
    <div class="hook"><span class="mono">%s</span> `, h.URL)
			w.If(h.Name != "", `· %s`, h.Name)
			w.F(` `)
			w.If(h.Description != "", `<span class="muted">%s</span>`, h.Description)
			w.F(` <span class="mono muted">%s</span> <span class="muted">signing secret: never shown</span></div>`, h.ID)
		}
		w.F(`
    </div>
  </div>`)
	}
}

func consoleDeliveries(w *markup.Builder, rows []deliveryRow) {
	w.If(len(rows) > 0, `
  <h3>Webhook deliveries <span class="count">%d</span></h3>`, len(rows))
	for _, d := range rows {
		w.F(`
  <details class="delivery" id="d-%s">
    <summary><span class="pill d-%s">%s</span> <b>%s</b> → <span class="mono">%s</span>
      <span class="muted">%d attempt%s`, d.ID, d.Status, d.Status, d.Event, d.URL, d.Attempts, plural(d.Attempts))
		w.If(d.LastStatus != "", `, last HTTP %s`, d.LastStatus)
		w.F(`, %s</span></summary>
    `, d.Created)
		w.If(d.LastError != "", `<p class="err">%s</p>`, d.LastError)
		w.F(`
    <table class="headers">`)
		for _, h := range d.Headers {
			w.F(`<tr><th>%s</th><td class="mono">%s</td></tr>`, h.K, h.V)
		}
		w.F(`</table>
    <pre>%s</pre>
  </details>`, d.Body)
	}
}

func consoleImports(w *markup.Builder, rows []importRow) {
	w.If(len(rows) > 0, `
  <h3>Brand imports <span class="count">%d</span></h3>`, len(rows))
	for _, j := range rows {
		w.F(`
  <div class="import">
    <div><b>%s</b> <span class="pill i-%s">%s</span> <span class="mono muted">%s</span> <span class="muted">%s</span>
      `, j.Domain, j.Status, j.Status, j.ID, j.Cost)
		w.If(j.OrgID != "", `→ org <span class="mono">%s</span>`, j.OrgID)
		w.F(`
      `)
		swatches(w, j.Palette)
		w.F(`</div>
    <ol class="timeline">`)
		for _, s := range j.Timeline {
			state := "todo"
			if s.Done {
				state = "done"
			}
			w.F(`<li class="%s"><span>%s</span>`, state, s.Name)
			w.If(s.At != "", `<small>%s</small>`, s.At)
			w.F(`</li>`)
		}
		w.F(`</ol>
    `)
		w.If(j.Error != "", `<p class="err">%s</p>`, j.Error)
		if len(j.Brand) > 0 {
			w.F(`
    <details><summary>brand kit</summary>`)
			fields(w, j.Brand)
			w.F(`</details>`)
		}
		w.F(`
  </div>`)
	}
}

func consoleMail(w *markup.Builder, rows []mailRow) {
	w.If(len(rows) > 0, `
  <h3>Outbox <span class="count">%d</span></h3>`, len(rows))
	for _, m := range rows {
		w.F(`
  <details class="mail" id="m-%s">
    <summary><span class="pill">%s</span> <b>%s</b> <span class="muted">to %s, %s`, m.ID, m.Kind, m.Subject, m.To, m.Created)
		w.If(m.Used, `, link used`)
		w.F(`</span></summary>
    <pre>%s</pre>
    `, m.Body)
		// sandboxLink kept only a path on this sandbox; Link checks again.
		w.If(m.Link != "", `<p><a class="button" href="%s">Open the link</a></p>`, markup.URL(m.Link))
		w.F(`
  </details>`)
	}
}

func consoleAuditTrail(w *markup.Builder, v consoleView) {
	if !v.AuditOn {
		return
	}
	w.F(`<section class="card audit">
  <h2>Audit trail <span class="count">%d</span></h2>
  <p class="muted">What the agent did with money and deletions through this MCP server, and how the human consented; newest first.</p>
  `, len(v.Audit))
	w.If(v.AuditError != "", `<p class="pill bad">The trail could not be read: %s</p>`, v.AuditError)
	if len(v.Audit) == 0 {
		w.F(`<p class="muted">Nothing recorded yet.</p>
</section>`)
		return
	}
	w.F(`<table class="auditlog"><thead><tr><th>time</th><th>tool</th><th class="num">amount</th><th>outcome</th><th>consent</th></tr></thead><tbody>
  `)
	for _, e := range v.Audit {
		w.F(`<tr class="o-%s"><td class="mono">%s</td><td><span class="mono">%s</span>`, e.Outcome, e.At, e.Tool)
		w.If(e.Args != "", `<div class="rid mono">%s</div>`, e.Args)
		w.F(`</td><td class="num mono">%s</td><td>%s</td><td class="muted">%s`, e.Amount, e.Outcome, e.Consent)
		w.If(e.Profile != "", ` · %s`, e.Profile)
		w.F(`</td></tr>`)
	}
	w.F(`
  </tbody></table>
</section>`)
}

func consoleRequestLog(w *markup.Builder, v consoleView) {
	w.F(`
<section class="card requests">
  <h2>Request log <span class="count">%d</span></h2>
  `, v.RequestCount)
	w.If(len(v.Requests) < v.RequestCount, `<p class="muted">The newest %d are shown; all %d as <a href="/_sandbox/console/requests">JSON</a>.</p>`,
		len(v.Requests), v.RequestCount)
	if len(v.Requests) == 0 {
		w.F(`
  <p class="muted">No request yet.</p>
</section>`)
		return
	}
	w.F(`
  <table class="reqlog"><thead><tr><th>time</th><th>request</th><th class="num">status</th><th class="num">latency</th><th>credential</th><th>fault</th></tr></thead><tbody>
  `)
	for _, r := range v.Requests {
		w.F(`<tr class="r-%s"><td class="mono">%s</td><td><span class="method m-%s">%s</span> `, r.Class, r.At, r.Method, r.Method)
		w.If(r.Service != "", `<span class="pill svc">%s</span> `, r.Service)
		w.F(`<span class="mono path">%s</span><div class="rid mono">%s</div></td><td class="num mono st">`, r.Path, r.RequestID)
		if r.Status != 0 {
			w.F(`%d`, r.Status)
		} else {
			w.F(`—`)
		}
		w.F(`</td><td class="num mono">%s</td><td class="cred">%s</td><td>`, r.Latency, r.Cred)
		w.If(r.Fault != "", `<span class="pill bad">%s</span>`, r.Fault)
		w.F(`</td></tr>`)
	}
	w.F(`
  </tbody></table>
</section>`)
}
