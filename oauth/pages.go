package oauth

import (
	"io"
	"net/http"

	"github.com/myapihq/myapihq-mcp/internal/markup"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// The sign-in pages: server-rendered forms that need no script. Every
// string a client supplied (its name, its redirect host, its document URL)
// reaches them clipped (textsafe) and escaped (markup); the browser is
// told to load nothing but our stylesheet, to post forms only here (and,
// from the consent page, to the client's redirect), and never to frame
// them.

type page struct {
	Title      string
	Client     string // clipped name, or "An unnamed app"
	ClientURL  string // the metadata document's host, for document clients
	Registered bool   // self-registered (RFC 7591): its name is unverified
	Host       string // where the code goes
	Flow, CSRF string
	Error      string
	Email      string // kept across a failed human sign-in
	Agents     []Account
	Account    Account
	KeyOnly    bool // signed in with a key and no PIN
	Scopes     []scopeChoice
	Message    string // the error page's text
}

type scopeChoice struct {
	Name, Text string
	Checked    bool
}

// The pages, one function each, written with markup (internal/markup):
// the format is ours, every value in it is escaped.

func head(w *markup.Builder, p page) {
	w.F(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>%s · MyAPIHQ</title>
<link rel="stylesheet" href="/authorize/style.css"></head><body><main>
<h1>%s</h1>`, p.Title, p.Title)
}

func tail(w *markup.Builder) { w.F(`</main></body></html>`) }

// about says who the client is and where the person will be sent back.
func about(w *markup.Builder, p page) {
	w.If(p.Registered, `
This app registered itself: MyAPIHQ has not checked that it is what its name says.`)
	w.If(p.ClientURL != "", `
It is described by a document at <strong>%s</strong>.`, p.ClientURL)
	w.F(`</p>`)
	w.If(p.Error != "", `
<p class="error" role="alert">%s</p>`, p.Error)
}

func who(w *markup.Builder, p page) {
	w.F(`<p class="who"><strong>%s</strong> wants to use MyAPIHQ for you.
After you sign in, you will be sent back to <strong>%s</strong>.`, p.Client, p.Host)
	about(w, p)
}

func hidden(w *markup.Builder, p page) {
	w.F(`
<input type="hidden" name="flow" value="%s"><input type="hidden" name="csrf" value="%s">`, p.Flow, p.CSRF)
}

func signin(w *markup.Builder, p page) {
	head(w, p)
	who(w, p)
	w.F(`
<section><h2>Sign in with an agent's API key</h2>
<form method="post" action="/authorize/agent">`)
	hidden(w, p)
	w.F(`
<label for="api_key">API key</label>
<input id="api_key" name="api_key" type="password" autocomplete="off" required maxlength="512" placeholder="hq_live_…">
<label for="pin">Agent PIN <span class="hint">(optional: billing and key tools need it)</span></label>
<input id="pin" name="pin" type="password" autocomplete="off" maxlength="256">
<button type="submit">Sign in as this agent</button>
</form></section>
<section><h2>Or sign in as a human and pick one of your agents</h2>
<form method="post" action="/authorize/human">`)
	hidden(w, p)
	w.F(`
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="%s">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form></section>
`, p.Email)
	tail(w)
}

func choose(w *markup.Builder, p page) {
	head(w, p)
	who(w, p)
	w.F(`
<form method="post" action="/authorize/choose">`)
	hidden(w, p)
	w.F(`
<fieldset><legend>Which agent should %s act as?</legend>
`, p.Client)
	for i, a := range p.Agents {
		w.F(`<div class="choice"><input type="radio" id="agent%d" name="agent" value="%s"`, i, a.ID)
		w.If(i == 0, ` checked`)
		w.F(`>
<label for="agent%d">`, i)
		w.If(a.Label != "", `%s `, a.Label)
		w.F(`<code>%s</code></label></div>
`, a.ID)
	}
	w.F(`</fieldset>
<label for="pin">That agent's PIN</label>
<input id="pin" name="pin" type="password" autocomplete="off" required maxlength="256">
<p class="hint">MyAPIHQ lets you see your agents but not act as them: with the PIN (the one you linked the agent with),
this server makes an API key for this connection only, named after the app, and revokes it when the connection is ended.</p>
<button type="submit">Continue</button>
</form>
`)
	tail(w)
}

func consent(w *markup.Builder, p page) {
	head(w, p)
	w.F(`
<p class="who">Allow <strong>%s</strong> to act as
`, p.Client)
	if p.Account.ID != "" {
		w.F(`agent `)
		w.If(p.Account.Label != "", `<strong>%s</strong> `, p.Account.Label)
		w.F(`<code>%s</code>`, p.Account.ID)
	} else {
		w.F(`the agent whose API key you gave`)
	}
	w.F(`?
It will be sent back to <strong>%s</strong>.`, p.Host)
	about(w, p)
	w.F(`
<form method="post" action="/authorize/consent">`)
	hidden(w, p)
	w.F(`
<fieldset><legend>It may</legend>
`)
	for _, sc := range p.Scopes {
		w.F(`<div class="choice"><input type="checkbox" id="scope-%s" name="scope" value="%s"`, sc.Name, sc.Name)
		w.If(sc.Checked, ` checked`)
		w.F(`>
<label for="scope-%s"><strong>%s</strong>: %s</label></div>
`, sc.Name, sc.Name, sc.Text)
	}
	w.F(`</fieldset>`)
	w.If(p.KeyOnly, `
<p class="hint">No PIN was given: billing and key tools will say they need it.</p>`)
	w.F(`
<p class="hint">You can end this connection at any time by revoking its tokens in the app, or by revoking the agent's API key.</p>
<div class="actions"><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button></div>
</form>
`)
	tail(w)
}

func errorText(w *markup.Builder, p page) {
	head(w, p)
	w.F(`<p class="error" role="alert">%s</p>
<p>Nothing was authorized. Close this page and start again from the app.</p>`, p.Message)
	tail(w)
}

var pages = map[string]func(*markup.Builder, page){
	"signin": signin, "choose": choose, "consent": consent, "error": errorText,
}

const styleSheet = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:34rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.5rem}label{display:block;margin:.75rem 0 .25rem}
input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #999;border-radius:4px}
button{margin-top:1rem;padding:.55rem 1.2rem;font:inherit;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#6b7280}.actions button{margin-right:.5rem}.error{color:#991b1b;background:#fee2e2;padding:.5rem .75rem;border-radius:4px}
.hint{color:#555;font-size:.9rem}.choice{display:flex;gap:.5rem;align-items:baseline}.choice label{display:inline;margin:.25rem 0}
fieldset{border:1px solid #ddd;border-radius:4px;margin-top:1rem}code{font-size:.9em}`

func (s *Server) style(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte(styleSheet)) //nolint:errcheck // the client went away
}

// render writes a page with the headers every page carries. formTarget,
// when set, is a further form-action source (the consent page's redirect).
func (s *Server) render(w http.ResponseWriter, code int, name string, p page, formTarget string) {
	action := "'self'"
	if formTarget != "" {
		action += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'none'; form-action "+action+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // not no-referrer: Chromium then posts forms with Origin: null
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	var b markup.Builder
	pages[name](&b, p)
	if _, err := io.WriteString(w, b.String()); err != nil {
		s.log.Debug().Err(err).Str("page", name).Msg("oauth: page not written")
	}
}

// errorPage is for requests that cannot go back to the client: an unknown
// client or a redirect_uri it did not register (sending the person there
// would make this server an open redirector).
func (s *Server) errorPage(w http.ResponseWriter, code int, msg string) {
	s.render(w, code, "error", page{Title: "This connection cannot go on", Message: textsafe.Line(msg, 300)}, "")
}

// pageFor fills what every page of a flow shows.
func (s *Server) pageFor(f *flow, title string) page {
	name := f.ClientName
	if name == "" {
		name = "An unnamed app"
	}
	p := page{Title: title, Client: name, Host: textsafe.Line(redirectHost(f.Redirect), 100), Flow: f.ID, CSRF: f.CSRF,
		Registered: !f.Document}
	if f.Document {
		p.ClientURL = textsafe.Line(redirectHost(f.Client), 100)
	}
	return p
}

func (s *Server) consentPage(f *flow, errText string) page {
	p := s.pageFor(f, "Allow access to MyAPIHQ?")
	p.Account, p.KeyOnly, p.Error = f.Account, f.PIN == "", errText
	p.Account.Label = textsafe.Line(p.Account.Label, 60)
	for _, sc := range f.Scopes {
		p.Scopes = append(p.Scopes, scopeChoice{Name: sc, Text: scopeText(sc), Checked: true})
	}
	return p
}
