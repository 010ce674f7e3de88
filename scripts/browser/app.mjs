// The MyAPIHQ MCP App in Debian's headless Chromium, inside a host page built
// on the official ext-apps AppBridge. Everything comes from the real server
// (the official MCP TypeScript SDK spawning the built binary with --sandbox):
// the host finds the app as a host does, from tools/list with ext-apps' own
// getToolUiResourceUri, and reads it with resources/read; a story's real
// tool results are sent to the app, which must render them (DOM checked),
// update on a new one, show hostile organization text as inert text, follow
// the host's theme and stay readable at a narrow width; the audit trail it
// shows is the server's myapihq://audit, written by the story's own calls;
// its buttons must reach the host's tools/call handler with the right names
// and arguments. Saves screenshots. Exit 1 on any miss.
//   node app.mjs SHOT.png NARROW.png /path/to/myapihq-mcp --sandbox ...
import { launch } from "./chromium.mjs";
import { getToolUiResourceUri } from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import * as esbuild from "esbuild";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [shot, narrowShot, command, ...args] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
let cleanup = async () => {};
const fail = async (msg) => {
  console.error(`app browser test: ${msg}`);
  await cleanup();
  process.exit(1);
};
const step = (msg) => console.log(`  ${msg}`);

// The host page's script: the official AppBridge, bundled for the browser.
const bundle = await esbuild.build({ entryPoints: [join(here, "apphost.js")], bundle: true, format: "iife", platform: "browser",
  write: false, logLevel: "error", target: "chrome120" });
const hostJS = bundle.outputFiles[0].text;
const hostHTML = `<!doctype html><html><head><meta charset="utf-8"><title>test host</title>
<style>body{margin:0;font:14px system-ui;background:#d9dce3} header{padding:8px 14px;background:#141824;color:#e8eaf0}
#frame{max-width:980px;margin:14px auto;padding:0 10px} iframe{width:100%;border:1px solid #b8bdc8;border-radius:12px;background:transparent;display:block}</style>
</head><body><header>Test host (ext-apps AppBridge) · tool result: get_balance</header><div id="frame"></div><script src="/host.js"></script></body></html>`;
const web = http.createServer((req, res) => {
  if (req.url === "/host.js") { res.setHeader("Content-Type", "text/javascript"); res.end(hostJS); return; }
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(hostHTML);
});
await new Promise((r) => web.listen(0, "127.0.0.1", r));
const hostURL = `http://127.0.0.1:${web.address().port}/`;

// The story, through the real server.
const transport = new StdioClientTransport({ command, args, stderr: "inherit", env: { ...process.env, MYAPI_SANDBOX_IMPORT_DELAY: "100ms" } });
const client = new Client({ name: "myapihq-mcp app browser test", version: "1.0.0" }, { capabilities: {} });
await client.connect(transport);
// The app, as a host finds it: the tool's _meta names it, resources/read serves it.
const listed = (await client.listTools()).tools;
const uris = new Set(["get_balance", "get_billing_history", "whoami", "get_import"].map((n) => getToolUiResourceUri(listed.find((t) => t.name === n) ?? {})));
if (uris.size !== 1 || [...uris][0] !== "ui://myapihq/account") await fail(`the linked tools name ${[...uris].join(", ")}`);
const resource = (await client.readResource({ uri: [...uris][0] })).contents[0];
if (resource.mimeType !== "text/html;profile=mcp-app" || !resource.text.includes("<!doctype html>")) await fail(`resource: ${resource.uri} ${resource.mimeType}`);
step(`the app: ${resource.uri} from resources/read (${resource.text.length} bytes), linked from tools/list`);

async function call(name, a = {}) {
  const r = await client.callTool({ name, arguments: a });
  if (r.isError) await fail(`${name}: ${JSON.stringify(r.content)}`);
  return r;
}
const hostile = `<img src=x onerror="document.title='pwned'"> Acme \u202Egnp.exe\u202C Ltd`;
await call("create_agent", { label: "app test" });
await call("create_org", { name: "Northwind Studio" });
await call("create_org", { name: hostile });
const setup = (await call("setup_payment")).structuredContent;
const checkout = setup.url ?? setup.data?.url;
const form = await (await fetch(checkout)).text();
const token = /name="checkout_token" value="([0-9a-f.]+)"/.exec(form)?.[1];
if (!token) await fail("no checkout form");
const saved = await fetch(checkout, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ card: "4242424242424242", checkout_token: token }) });
if (saved.status !== 200) await fail(`checkout: ${saved.status}`);
await call("top_up", { amount_cents: 2500 });
const doomed = (await call("create_org", { name: hostile + " (to delete)" })).structuredContent;
await call("delete_org", { org_id: doomed.id }); // the trail shows it, its hostile name inert
const job = (await call("import_brand", { domain: "northwind-traders.com", wait: true, max_wait_seconds: 30 })).structuredContent;
await call("confirm_import", { job_id: job.id, name: hostile + " Brand" }); // audited: its hostile argument is in the trail
const results = {
  whoami: await call("whoami"),
  balance: await call("get_balance"),
  history: await call("get_billing_history"),
  orgs: await call("list_orgs"),
  import: await call("get_import", { job_id: job.id }),
};
step(`story: balance ${results.balance.structuredContent.balance_display}, import ${job.id} ${job.status}`);


const { page, problems, close } = await launch({ viewport: { width: 1024, height: 900 } });
cleanup = async () => {
  await close();
  await client.close().catch(() => {});
  web.close();
};
page.on("request", (r) => { if (!r.url().startsWith(hostURL) && !r.url().startsWith("data:") && r.url() !== "about:srcdoc") problems.push(`a request left the page: ${r.url()}`); });

// What the app asks the host for: recorded, then done on the real server.
const calls = [];
await page.exposeFunction("hostCallTool", async (params) => {
  calls.push({ name: params.name, arguments: params.arguments ?? {} });
  return await client.callTool({ name: params.name, arguments: params.arguments ?? {} });
});
const reads = [];
await page.exposeFunction("hostReadResource", async (params) => {
  reads.push(params.uri);
  return await client.readResource({ uri: params.uri }); // the server's own trail
});

await page.goto(hostURL);
await page.evaluate((init) => window.startHost(init), {
  html: resource.text, meta: resource._meta,
  hostContext: { theme: "dark", locale: "en-US", platform: "web", displayMode: "inline",
    toolInfo: { tool: { name: "get_balance", inputSchema: { type: "object" } } } },
});
await page.waitForFunction(() => window.__appInitialized === true, null, { timeout: 15000 }).catch(() => fail("the app never initialized"));
const app = page.frameLocator("#app");
const appFrame = () => page.frames().find((f) => f !== page.mainFrame());
const textOf = (sel) => app.locator(sel).innerText();
step("the app initialized through the AppBridge");

// 1. It renders from a tool result.
await page.evaluate((r) => window.sendResult(r), results.balance);
const wantBalance = results.balance.structuredContent.balance_display;
await app.locator("#balance", { hasText: wantBalance }).waitFor({ timeout: 5000 }).catch(() => fail(`the balance ${wantBalance} was not rendered`));
if (!(await textOf("#card")).startsWith("Card saved")) await fail(`card: ${await textOf("#card")}`);
if (!(await textOf("#budget-text")).includes("Spending budget")) await fail(`budget: ${await textOf("#budget-text")}`);
for (const r of [results.whoami, results.history, results.orgs, results.import]) await page.evaluate((x) => window.sendResult(x), r);
await app.locator("#history li").first().waitFor({ timeout: 5000 }).catch(() => fail("no history rows"));
if ((await app.locator("#chart svg rect.spend").count()) < 1 || !(await textOf("#chart")).includes("Spent $0.25")) await fail(`the spending chart has no bar for the import's charge: ${await textOf("#chart")}`);
if (!(await textOf("#imports")).includes("northwind-traders.com")) await fail(`imports: ${await textOf("#imports")}`);
if (!(await textOf("#orgs")).includes("Northwind Studio")) await fail(`orgs: ${await textOf("#orgs")}`);
if (!(await textOf("#who")).includes("default")) await fail(`who: ${await textOf("#who")}`);
await app.locator("#audit li").nth(2).waitFor({ timeout: 5000 }).catch(() => fail("the audit trail was not rendered"));
const trail = await textOf("#audit");
for (const want of ["top_up", "delete_org", "confirm_import", "$25.00"]) if (!trail.includes(want)) await fail(`the server's trail lacks ${want}: ${trail}`);
if (!trail.includes(`<img src=x onerror`)) await fail(`the hostile argument is not in the trail as text: ${trail}`);
step("rendered: balance, card, budget, chart, history, import, organizations, audit trail");

// 2. Hostile text stays text: no element, no script, no bidi override, no secret.
const inert = await appFrame().evaluate(() => ({
  imgs: document.querySelectorAll("img").length, title: document.title, text: document.body.innerText,
  bidi: /[\u202a-\u202e\u2066-\u2069]/.test(document.body.textContent), isolated: [...document.querySelectorAll("#orgs bdi")].length,
}));
if (inert.imgs !== 0 || inert.title !== "MyAPIHQ account") await fail(`hostile markup became markup: ${JSON.stringify(inert)}`);
if (!inert.text.includes(`<img src=x onerror="document.title='pwned'">`)) await fail("the hostile name is not shown as text");
if (inert.bidi) await fail("a bidi control reached the page");
if (inert.isolated < 2) await fail("organization names are not bidi-isolated");
if (/hq_live_|eyJ|••••/.test(inert.text)) await fail("a credential, even masked, is on the page");
step("hostile org name and audit argument rendered as inert, isolated text; no credential on the page");

// 3. Theme: the host's dark theme, then light.
const bg = () => appFrame().evaluate(() => getComputedStyle(document.body).backgroundColor);
const dark = await bg();
await page.evaluate(() => window.setContext({ theme: "light", locale: "en-US" }));
await appFrame().waitForFunction(() => document.documentElement.dataset.theme === "light", null, { timeout: 5000 }).catch(() => fail("the light theme did not apply"));
const light = await bg();
const luminance = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
if (!(luminance(dark) < 80 && luminance(light) > 200)) await fail(`themes: dark ${dark}, light ${light}`);
step(`theme: dark ${dark} → light ${light}`);

// 4. A new result updates it.
await call("top_up", { amount_cents: 1234 });
const newer = await call("get_balance");
await page.evaluate((r) => window.sendResult(r), newer);
const wantNew = newer.structuredContent.balance_display;
await app.locator("#balance", { hasText: wantNew }).waitFor({ timeout: 5000 }).catch(() => fail(`the new balance ${wantNew} did not replace ${wantBalance}`));
step(`updated: ${wantBalance} → ${wantNew}`);

// 5. Buttons act only through the host's tools/call.
calls.length = 0;
await app.locator("#refresh").click();
await app.locator("#refresh:not([disabled])").waitFor({ timeout: 10000 });
const names = calls.map((c) => c.name).join(",");
if (names !== "get_balance,get_billing_history,list_orgs") await fail(`refresh called: ${names}`);
if (!reads.includes("myapihq://audit")) await fail("refresh did not read the audit trail");
calls.length = 0;
await app.locator("#topup-amount").selectOption("500");
await app.locator("#topup-go").click();
await app.locator("#topup-go:not([disabled])").waitFor({ timeout: 10000 });
if (calls.length < 1 || calls[0].name !== "top_up" || JSON.stringify(calls[0].arguments) !== JSON.stringify({ amount_cents: 500 })) {
  await fail(`top up called: ${JSON.stringify(calls)}`);
}
const after = (await client.callTool({ name: "get_balance", arguments: {} })).structuredContent.balance_display;
await app.locator("#balance", { hasText: after }).waitFor({ timeout: 5000 }).catch(() => fail(`after the top-up the app shows ${"" + after}?`));
step(`buttons: refresh → ${names}; top up → top_up ${JSON.stringify(calls[0].arguments)} (balance ${after})`);

// 6. Screenshots: wide, then narrow (nothing overflows sideways).
await page.evaluate(() => window.setContext({ theme: "light", locale: "en-US" }));
await page.screenshot({ path: shot, fullPage: true });
await page.setViewportSize({ width: 360, height: 2600 }); // tall enough for the whole app: no scrolling capture
let last = -1; // wait for the app's size reports to settle
for (let i = 0; i < 50; i++) {
  await page.waitForTimeout(100);
  const h = await page.evaluate(() => document.getElementById("app").getBoundingClientRect().height);
  if (h === last) break;
  last = h;
}
const overflow = await appFrame().evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
if (overflow > 1) await fail(`at 360 px the app overflows sideways by ${overflow}px`);
await page.evaluate(() => window.setContext({ theme: "dark", locale: "en-US" }));
await appFrame().waitForFunction(() => document.documentElement.dataset.theme === "dark", null, { timeout: 5000 });
await page.locator("#frame").screenshot({ path: narrowShot });
step("narrow: no sideways overflow at 360 px (dark)");

if (problems.length) await fail(problems.join("; "));
await cleanup();
console.log(`app browser test: ok, screenshots ${shot} and ${narrowShot}`);
