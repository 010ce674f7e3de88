// The MyAPIHQ account as an MCP App (ext-apps protocol 2026-01-26). It
// talks to the host only: JSON-RPC 2.0 over postMessage with window.parent.
// It renders what tool results the host sends, and acts only by asking the
// host to call this server's tools, so top_up still asks the human. Every
// string from a result is hostile: it is cleaned and put in the page as text
// (textContent), never parsed as HTML.
(() => {
  "use strict";
  const PROTOCOL = "2026-01-26";
  const APP = { name: "myapihq-account", version: "1.0.0" };

  // ---- the bridge --------------------------------------------------------
  const host = window.parent;
  let nextId = 1;
  const pending = new Map();
  let hostCaps = {};

  function post(msg) { host.postMessage(msg, "*"); } // the host's origin is not known to a sandboxed frame

  function request(method, params, ms = 120000) {
    const id = nextId++;
    post({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { pending.delete(id); reject(new Error(method + ": the host did not answer")); }, ms);
      pending.set(id, { resolve, reject, timer });
    });
  }

  function notify(method, params) { post({ jsonrpc: "2.0", method, params: params || {} }); }

  function answer(id, result) { post({ jsonrpc: "2.0", id, result }); }

  window.addEventListener("message", (ev) => {
    if (ev.source !== host) return; // only the host speaks to us
    const m = ev.data;
    if (!m || typeof m !== "object" || m.jsonrpc !== "2.0") return;
    if (typeof m.method !== "string") { // a response
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(text(m.error.message, 300) || "the host refused"));
      else p.resolve(m.result || {});
      return;
    }
    const params = m.params && typeof m.params === "object" ? m.params : {};
    if (m.id !== undefined) { // a request from the host
      if (m.method === "ui/resource-teardown" || m.method === "ping") answer(m.id, {});
      else post({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "method not found" } });
      return;
    }
    switch (m.method) {
      case "ui/notifications/tool-result": ingest(toolName, params); break;
      case "ui/notifications/tool-cancelled": say("The call was cancelled.", true); break;
      case "ui/notifications/host-context-changed": applyContext(params); break;
      default: break; // tool-input and others: nothing to show
    }
  });

  // ---- state ---------------------------------------------------------------
  const state = { account: null, balance: null, budget: null, history: null, orgs: null, imports: new Map(), audit: null };
  let toolName = ""; // the tool whose result the host renders us for

  // ---- safe text -------------------------------------------------------------
  // Control, bidi and zero-width characters are dropped: a name cannot
  // reorder or hide the text around it.
  const invisible = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
  function text(v, max = 120) {
    if (v === null || v === undefined) return "";
    let s = String(v).replace(invisible, "");
    if (s.length > max) s = s.slice(0, max - 1) + "…";
    return s;
  }
  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) {
      if (k === null || k === undefined || k === "") continue;
      e.append(typeof k === "string" ? document.createTextNode(k) : k);
    }
    return e;
  }
  const iso = (s) => el("bdi", "", text(s)); // hostile text, isolated
  const $ = (id) => document.getElementById(id);
  const int = (v) => (typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : null);
  function dollars(c) {
    const n = int(c);
    if (n === null) return "—";
    const a = Math.abs(n);
    return (n < 0 ? "-" : "") + "$" + Math.floor(a / 100).toLocaleString("en-US") + "." + String(a % 100).padStart(2, "0");
  }
  function when(s) {
    const d = new Date(typeof s === "string" ? s : NaN);
    if (Number.isNaN(d.getTime())) return "";
    return d.toLocaleString(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }
  let locale = undefined;

  // ---- reading results -----------------------------------------------------
  function payload(result) {
    if (result.structuredContent && typeof result.structuredContent === "object") return result.structuredContent;
    for (const c of Array.isArray(result.content) ? result.content : []) { // hosts that drop structured content
      if (c && c.type === "text" && typeof c.text === "string") {
        const i = c.text.indexOf("{");
        if (i < 0) continue;
        try { const v = JSON.parse(c.text.slice(i)); if (v && typeof v === "object") return v; } catch (_) { /* not JSON */ }
      }
    }
    return null;
  }
  const objects = (a) => a.filter((x) => x && typeof x === "object" && !Array.isArray(x));
  const items = (v) => (Array.isArray(v) ? objects(v) : v && Array.isArray(v.items) ? objects(v.items) : null);

  // What a result is, by its shape first: a host sends the results of the
  // tool that opened the app, and the app's own calls bring others. The
  // tool's name decides only for an empty list.
  function kind(v, name) {
    const list = items(v);
    if (list) {
      const first = list[0] || {};
      if ("amount_cents" in first || (!list.length && name === "get_billing_history")) return "history";
      if ("name" in first || (!list.length && name === "list_orgs")) return "orgs";
      return "";
    }
    if ("balance_cents" in v) return "balance";
    if ("new_balance_cents" in v) return "topup";
    if ("profile" in v && "credentials" in v) return "account";
    if ("domain" in v && "status" in v) return "import";
    if ("id" in v && "name" in v) return "org";
    if (typeof v.url === "string" && name === "setup_payment") return "checkout";
    return "";
  }

  function ingest(name, result) {
    if (!result || typeof result !== "object") return;
    if (result.isError) {
      const first = (Array.isArray(result.content) ? result.content : []).find((c) => c && c.type === "text");
      say((name ? name + ": " : "") + text(first ? first.text : "the call failed", 400), true);
      return;
    }
    const v = payload(result);
    if (!v) return;
    switch (kind(v, name)) {
      case "balance":
        state.balance = v;
        if (v.budget && typeof v.budget === "object") state.budget = v.budget;
        break;
      case "topup":
        state.balance = Object.assign({}, state.balance, { balance_cents: v.new_balance_cents, balance_display: v.new_balance_display, has_payment_method: true });
        say("Balance topped up.", false);
        break;
      case "account":
        state.account = { profile: v.profile, account_id: v.account_id, service: v.service };
        if (v.budget && typeof v.budget === "object") state.budget = v.budget;
        break;
      case "history": state.history = items(v); break;
      case "orgs": state.orgs = items(v); break;
      case "import": {
        const id = text(v.id || v.job_id, 80);
        if (id) state.imports.set(id, v);
        break;
      }
      case "org": state.orgs = [v, ...(state.orgs || []).filter((o) => o.id !== v.id)]; break;
      case "checkout": say("The host was asked to open the checkout page; the card appears here once it is saved.", false); break;
      default: break;
    }
    render();
  }

  // ---- rendering -------------------------------------------------------------
  function render() {
    const a = state.account;
    $("who").replaceChildren(...(a ? [iso(a.profile), " · ", el("span", "id", iso(a.account_id)), " · ", iso(a.service)] : []));
    const b = state.balance;
    if (b) {
      $("balance").textContent = text(b.balance_display, 40) || dollars(b.balance_cents);
      const has = b.has_payment_method === true;
      $("card").textContent = has ? "Card saved" + (typeof b.payment_method_id === "string" ? " (" + text(b.payment_method_id, 40) + ")" : "") : "No card saved: top-ups need one";
      $("setup-card").hidden = has;
      $("topup-go").disabled = busy || !has;
    }
    renderBudget();
    renderHistory();
    renderChart();
    renderList("imports", [...state.imports.values()], importRow);
    renderList("orgs", state.orgs, (o) => el("li", "", el("span", "name", iso(o.name)), el("span", "id", iso(o.id))));
    renderAudit();
  }

  function renderBudget() {
    const g = state.budget;
    const spent = g && int(g.spent_cents), limit = g && int(g.limit_cents);
    if (spent === null || limit === null || limit <= 0) { $("budget").hidden = true; return; }
    $("budget").hidden = false;
    const pct = Math.max(0, Math.min(100, Math.round((spent / limit) * 100)));
    const bar = $("budget-bar");
    bar.style.width = pct + "%"; // CSSOM, not a style attribute: allowed by any CSP
    bar.className = "meter-bar" + (pct >= 100 ? " full" : pct >= 75 ? " high" : "");
    $("budget-text").textContent = "Spending budget: " + dollars(spent) + " of " + dollars(limit) + " in the last 24 hours, " +
      dollars(Math.max(0, limit - spent)) + " left";
  }

  function renderHistory() {
    const rows = objects(state.history || []).slice(0, 10).map((e) => {
      const amt = int(e.amount_cents);
      return el("li", "", el("span", "name", iso(e.description || e.type)), el("span", "num " + (amt < 0 ? "neg" : "pos"), dollars(amt)),
        el("span", "sub muted", when(e.created_at) + " · balance " + dollars(e.balance_after_cents)));
    });
    $("history").replaceChildren(...rows);
    $("history-empty").hidden = rows.length > 0;
  }

  const phase = { queued: 10, pending: 10, processing: 50, awaiting_confirmation: 90, completed: 100, failed: 100 };
  function importRow(j) {
    const st = text(j.status, 40);
    const pct = phase[st] === undefined ? 0 : phase[st];
    const bar = el("div", "progress" + (st === "failed" ? " failed" : st === "completed" ? " done" : ""), el("div"));
    bar.firstChild.style.width = pct + "%";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuenow", String(pct));
    bar.setAttribute("aria-label", "import " + text(j.domain, 80) + ": " + st);
    const check = el("button", "", "Check");
    check.type = "button";
    const id = text(j.id || j.job_id, 80);
    check.addEventListener("click", () => callTool("get_import", { job_id: id }));
    return el("li", "", el("span", "name", iso(j.domain)), el("span", "muted", st.replace(/_/g, " ")), bar, st === "completed" || st === "failed" ? null : check);
  }

  function renderList(id, list, row) {
    const rows = (list || []).slice(0, 20).filter((x) => x && typeof x === "object").map(row);
    $(id).replaceChildren(...rows);
    $(id + "-empty").hidden = rows.length > 0;
  }

  const consentLabel = { elicitation_accepted: "the human said yes", elicitation_declined: "the human said no",
    require_consent_refusal: "refused: no way to ask", no_elicitation: "host approval only", not_asked: "no question asked",
    flag: "command line" };
  function renderAudit() {
    const rows = objects(state.audit || []).slice(-10).reverse().map((e) => {
      const args = e.args && typeof e.args === "object" ? Object.keys(e.args).slice(0, 4).map((k) => text(k, 30) + " " + text(e.args[k], 40)).join(", ") : "";
      return el("li", "", el("span", "name", iso(e.tool)), el("span", "outcome-" + text(e.outcome, 20), text(e.outcome, 20)),
        el("span", "sub muted", [when(e.time), e.amount_cents ? dollars(e.amount_cents) : "", consentLabel[e.consent] || text(e.consent, 30)].filter(Boolean).join(" · ")),
        args ? el("span", "sub args", iso(args)) : null);
    });
    $("audit").replaceChildren(...rows);
    $("audit-empty").hidden = rows.length > 0;
    $("audit-empty").textContent = state.audit === null ? "The audit trail is not available in this host." : "No money moved or deletion recorded.";
  }

  // A bar per day of what was charged, from the billing history; top-ups
  // are counted beside it, not drawn (they would dwarf the spend).
  function renderChart() {
    const days = 14, now = new Date(), spend = new Array(days).fill(0);
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days + 1).getTime();
    let added = 0;
    for (const e of objects(state.history || [])) {
      const t = new Date(typeof e.created_at === "string" ? e.created_at : NaN).getTime(), amt = int(e.amount_cents);
      if (Number.isNaN(t) || amt === null || t < start) continue;
      if (amt >= 0) { added += amt; continue; }
      spend[Math.min(days - 1, Math.floor((t - start) / 86400000))] += -amt;
    }
    const W = 420, H = 110, pad = 16, bw = (W - 2 * pad) / days, top = Math.max(1, ...spend);
    const total = spend.reduce((x, y) => x + y, 0);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 16));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Spent " + dollars(total) + " in the last 14 days");
    const add = (tag, attrs, content) => {
      const n = document.createElementNS(ns, tag);
      for (const k in attrs) n.setAttribute(k, String(attrs[k]));
      if (content) n.textContent = content;
      svg.append(n);
      return n;
    };
    add("line", { class: "axis", x1: pad, y1: H, x2: W - pad, y2: H });
    for (let i = 0; i < days; i++) {
      const x = pad + i * bw;
      if (spend[i]) {
        const h = Math.max(2, Math.round((spend[i] / top) * (H - 8)));
        add("rect", { class: "spend", x: (x + 2).toFixed(1), y: H - h, width: (bw - 4).toFixed(1), height: h, rx: 2 })
          .append(Object.assign(document.createElementNS(ns, "title"), { textContent: dollars(spend[i]) }));
      }
      if (i % 7 === 0 || i === days - 1) {
        const d = new Date(start + i * 86400000);
        add("text", { x: (x + bw / 2).toFixed(1), y: H + 12, "text-anchor": "middle" }, d.toLocaleDateString(locale, { month: "short", day: "numeric" }));
      }
    }
    const note = state.history ? "Spent " + dollars(total) + ", added " + dollars(added) + " in 14 days." : "Refresh to load the history.";
    $("chart").replaceChildren(svg, el("div", "muted", note));
  }

  // ---- acting: only through the host -------------------------------------
  let busy = false;
  function say(msg, bad) { const s = $("status"); s.textContent = msg; s.className = "status" + (bad ? " error" : ""); }

  async function callTool(name, args) {
    if (!hostCaps.serverTools) { say("This host does not let apps call tools; ask the agent to call " + name + ".", true); return null; }
    try {
      const r = await request("tools/call", { name, arguments: args || {} });
      ingest(name, r);
      return r;
    } catch (e) {
      say(name + ": " + text(e && e.message, 300), true);
      return null;
    }
  }

  async function refresh() {
    setBusy(true);
    say("Refreshing…", false);
    await callTool("get_balance", {});
    await callTool("get_billing_history", {});
    await callTool("list_orgs", {});
    await readAudit();
    if ($("status").className === "status") say("", false);
    setBusy(false);
  }

  async function readAudit() {
    if (!hostCaps.serverResources) return;
    try {
      const r = await request("resources/read", { uri: "myapihq://audit" });
      const c = (r.contents || [])[0];
      const v = c && typeof c.text === "string" ? JSON.parse(c.text) : null;
      state.audit = items(v) || (v && Array.isArray(v.entries) ? objects(v.entries) : []);
    } catch (_) {
      state.audit = null; // an older server, or a host that refuses: say so, block nothing
    }
    render();
  }

  function setBusy(on) {
    busy = on;
    for (const id of ["refresh", "topup-go", "setup-card"]) $(id).disabled = on;
    if (!on && state.balance) $("topup-go").disabled = state.balance.has_payment_method !== true;
  }

  $("refresh").addEventListener("click", refresh);
  // A button, not a form: a sandboxed frame without allow-forms never submits one.
  $("topup-go").addEventListener("click", async () => {
    const cents = parseInt($("topup-amount").value, 10);
    if (!(cents > 0)) return;
    setBusy(true);
    say("Asking the human to approve a top-up of " + dollars(cents) + "…", false);
    await callTool("top_up", { amount_cents: cents });
    await callTool("get_billing_history", {});
    setBusy(false);
  });
  $("setup-card").addEventListener("click", async () => { setBusy(true); await callTool("setup_payment", {}); setBusy(false); });

  // ---- theme and size ------------------------------------------------------
  const styleKey = /^--(color|font|border-radius|border-width|shadow)-[a-z0-9-]+$/;
  function applyContext(ctx) {
    if (!ctx || typeof ctx !== "object") return;
    if (ctx.theme === "light" || ctx.theme === "dark") document.documentElement.dataset.theme = ctx.theme;
    if (typeof ctx.locale === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(ctx.locale)) locale = ctx.locale;
    const vars = ctx.styles && ctx.styles.variables;
    if (vars && typeof vars === "object") {
      for (const k of Object.keys(vars)) {
        const v = vars[k];
        if (styleKey.test(k) && typeof v === "string" && v.length < 200 && !/url\(|@import|expression|[;{}]/i.test(v)) {
          document.documentElement.style.setProperty(k, v);
        }
      }
    }
    if (ctx.toolInfo && ctx.toolInfo.tool && typeof ctx.toolInfo.tool.name === "string") toolName = ctx.toolInfo.tool.name;
  }

  let sizeQueued = false;
  new ResizeObserver(() => {
    if (sizeQueued) return;
    sizeQueued = true;
    requestAnimationFrame(() => {
      sizeQueued = false;
      const r = document.documentElement.getBoundingClientRect();
      notify("ui/notifications/size-changed", { width: Math.ceil(r.width), height: Math.ceil(r.height) });
    });
  }).observe(document.documentElement);

  // ---- start -----------------------------------------------------------------
  render();
  request("ui/initialize", { appInfo: APP, appCapabilities: {}, protocolVersion: PROTOCOL }, 15000).then((r) => {
    hostCaps = (r && r.hostCapabilities) || {};
    applyContext(r && r.hostContext);
    notify("ui/notifications/initialized", {});
    readAudit();
  }).catch((e) => say("Not connected to a host: " + text(e && e.message, 200), true));
})();
