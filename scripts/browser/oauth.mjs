// A host that knows only the server's URL: the official TypeScript SDK's
// OAuth support (discovery, dynamic registration, PKCE, token, refresh)
// against the multi-tenant server, the sign-in page driven in Debian's
// headless Chromium like a person would (labelled fields, no script on the
// page, the consent screen naming the app, its redirect host and the
// scopes). Then tool calls, counted per replica by the balancer's
// X-Served-By, and a call after the access token expired (the SDK refreshes).
// Prints a JSON summary and "oauth browser test: ok"; exit 1 on any miss.
//   node oauth.mjs MCP_URL SCREENSHOT_DIR   (env: AGENT_KEY, AGENT_PIN, ACCESS_TTL_MS, CHROMIUM)
// Run by e2e/oauth_cluster_test.go.
import { launch } from "./chromium.mjs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import http from "node:http";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const [mcpURL, shotDir] = process.argv.slice(2);
const url = new URL(mcpURL);
const ttl = Number(process.env.ACCESS_TTL_MS || "4000");
let cleanup = async () => {};
const fail = async (msg) => {
  console.error(`oauth browser test: ${msg}`);
  await cleanup();
  process.exit(1);
};
const step = (msg) => console.error(`  ${msg}`);

// The host's redirect: a listener on loopback, as native hosts do (RFC 8252).
let gotCode;
const codeArrived = new Promise((r) => { gotCode = r; });
const callback = http.createServer((req, res) => {
  const u = new URL(req.url, "http://127.0.0.1");
  if (u.pathname !== "/callback") { res.statusCode = 404; res.end(); return; }
  gotCode(Object.fromEntries(u.searchParams));
  res.setHeader("Content-Type", "text/html");
  res.end("<!doctype html><title>Connected</title><p>Connected: you can close this page.</p>");
});
await new Promise((r) => callback.listen(0, "127.0.0.1", r));
const redirectUrl = `http://127.0.0.1:${callback.address().port}/callback`;

// Which replica answered each tool call (haproxy's X-Served-By).
const servedBy = {};
let unauthorized = 0;
const recordingFetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401) unauthorized++;
  let method;
  try { method = JSON.parse(init?.body ?? "{}").method; } catch { /* not JSON-RPC */ }
  if (method === "tools/call" && res.ok) {
    const by = res.headers.get("x-served-by") || "?";
    servedBy[by] = (servedBy[by] || 0) + 1;
  }
  return res;
};

// Failed loads are checked by URL: their console line says nothing more.
const { page, problems, close } = await launch({ viewport: { width: 900, height: 1000 },
  consoleIgnore: (text) => text.startsWith("Failed to load resource") });
cleanup = async () => {
  await close();
  callback.close();
};
page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`${r.status()} for ${r.url()}`); });

// What a person does in the browser the host opened.
async function signInInBrowser(authorizationUrl) {
  step(`browser opens ${authorizationUrl.origin}${authorizationUrl.pathname}`);
  await page.goto(authorizationUrl.href);
  if (!(await page.textContent("h1"))?.includes("Connect to MyAPIHQ")) await fail(`no sign-in page: ${await page.content()}`);
  if ((await page.evaluate(() => document.scripts.length)) !== 0) await fail("the sign-in page carries a script");
  const who = await page.textContent("p.who");
  if (!who.includes("TypeScript SDK e2e host") || !who.includes(`127.0.0.1:${callback.address().port}`)) await fail(`the page does not name the app and its redirect host: ${who}`);
  await page.screenshot({ path: join(shotDir, "oauth-signin.png"), fullPage: true });
  await page.getByLabel("API key").fill(process.env.AGENT_KEY);
  await page.getByLabel(/Agent PIN/).fill(process.env.AGENT_PIN);
  await page.getByRole("button", { name: "Sign in as this agent" }).click();
  await page.waitForSelector("text=Allow access to MyAPIHQ?", { timeout: 10000 })
    .catch(async () => fail(`no consent screen after signing in: ${page.url()} ${await page.content().catch(() => "")}`));
  const consent = await page.textContent("main");
  for (const want of ["TypeScript SDK e2e host", `127.0.0.1:${callback.address().port}`, "read", "write", "billing"]) {
    if (!consent.includes(want)) await fail(`the consent screen does not name ${want}: ${consent}`);
  }
  if (consent.includes(process.env.AGENT_KEY) || consent.includes(process.env.AGENT_PIN)) await fail("the consent screen shows a secret");
  await page.screenshot({ path: join(shotDir, "oauth-consent.png"), fullPage: true });
  await page.getByRole("button", { name: "Allow" }).click();
  const got = await Promise.race([codeArrived, new Promise((r) => setTimeout(() => r(null), 15000))]);
  if (!got?.code) await fail(`no code came back: ${JSON.stringify(got)}`);
  if (got.iss !== `${url.origin}`) await fail(`iss ${got.iss}, want ${url.origin}`);
  await page.waitForSelector("text=Connected");
  step("signed in and allowed; the browser was sent back with a code");
  return got;
}

// The host's OAuth state, in memory.
const saved = { tokens: undefined, client: undefined, verifier: undefined, saves: 0, refreshTokens: new Set(), state: randomBytes(8).toString("hex") };
let code;
const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: "TypeScript SDK e2e host", redirect_uris: [redirectUrl], grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"], token_endpoint_auth_method: "none" };
  },
  state() { return saved.state; },
  clientInformation() { return saved.client; },
  saveClientInformation(c) { saved.client = c; },
  tokens() { return saved.tokens; },
  saveTokens(t) { saved.tokens = t; saved.saves++; if (t.refresh_token) saved.refreshTokens.add(t.refresh_token); },
  async redirectToAuthorization(u) {
    const got = await signInInBrowser(u);
    if (got.state !== saved.state) await fail("state did not come back");
    code = got.code;
  },
  saveCodeVerifier(v) { saved.verifier = v; },
  codeVerifier() { return saved.verifier; },
};

const newClient = () => [new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recordingFetch }),
  new Client({ name: "oauth e2e host", version: "1.0.0" }, { capabilities: {} })];
let [transport, client] = newClient();
try {
  await client.connect(transport);
  await fail("connected without signing in");
} catch (e) {
  if (!(e instanceof UnauthorizedError)) await fail(`first connect: ${e}`);
}
if (!code) await fail("the SDK never sent the person to sign in");
if (!saved.client?.client_id?.startsWith("mcpc_")) await fail(`not registered: ${JSON.stringify(saved.client)}`);
await transport.finishAuth(code);
[transport, client] = newClient();
await client.connect(transport);

async function call(name, a = {}) {
  const r = await client.callTool({ name, arguments: a });
  if (r.isError) await fail(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent ?? {};
}
const who = await call("whoami");
if (who.pin !== true) await fail(`whoami: ${JSON.stringify(who)}`);
await call("create_org", { name: "oauth org" });
for (let i = 0; i < 6; i++) {
  const orgs = (await call("list_orgs")).items.map((o) => o.name);
  if (!orgs.includes("oauth org")) await fail(`list_orgs: ${orgs}`);
}
const bal = await call("get_balance");
if (typeof bal.balance_cents !== "number") await fail(`get_balance: ${JSON.stringify(bal)}`);

// The access token expires; the next call is refused, the SDK refreshes
// (a new refresh token: rotation), and the call goes through.
await new Promise((r) => setTimeout(r, ttl + 1000));
const before = saved.refreshTokens.size;
for (let i = 0; i < 3; i++) await call("list_orgs");
if (saved.refreshTokens.size <= before) await fail("the SDK did not refresh (or the refresh token did not rotate)");
if (problems.length) await fail(problems.join("; "));
await client.close();
await cleanup();
console.log(JSON.stringify({ servedBy, unauthorized, tokenSaves: saved.saves, refreshTokens: saved.refreshTokens.size, client: saved.client.client_id }));
console.error("oauth browser test: ok");
