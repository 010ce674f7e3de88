// The sandbox console as a human sees it: a story through a real MCP client
// (the official TypeScript SDK, spawning the built server with --sandbox),
// then Debian's Chromium, headless, opens the console the server's whoami
// points to. Checks the rendered DOM (after scripts run) for the account, the
// org, the ledger, the delivery and the mail; that a new top-up appears
// without a reload; that no script runs from a hostile org field and no CSP
// violation happens. Saves a full-page screenshot. Exit 1 on any miss.
//   node console.mjs SCREENSHOT.png /path/to/myapihq-mcp --sandbox ...
import { launch } from "./chromium.mjs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import http from "node:http";

const [shot, command, ...args] = process.argv.slice(2);
let cleanup = async () => {};
const fail = async (msg) => {
  console.error(`console browser test: ${msg}`);
  await cleanup();
  process.exit(1);
};
const step = (msg) => console.log(`  ${msg}`);

// A webhook receiver on loopback: the org's updates are delivered here.
let hits = 0;
const receiver = http.createServer((req, res) => { hits++; req.resume(); res.end("ok"); });
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const hookURL = `http://127.0.0.1:${receiver.address().port}/hooks/orders`;

const transport = new StdioClientTransport({
  command, args, stderr: "inherit",
  env: { ...process.env, MYAPI_SANDBOX_IMPORT_DELAY: "150ms" },
});
const client = new Client({ name: "myapihq-mcp console browser test", version: "1.0.0" }, { capabilities: {} });
await client.connect(transport);

async function call(name, a = {}) {
  const r = await client.callTool({ name, arguments: a });
  if (r.isError) await fail(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent ?? {};
}

const who = await call("whoami");
const consoleURL = who.console_url;
if (!/^http:\/\/127\.0\.0\.1:\d+\/_sandbox\/console$/.test(consoleURL || "")) await fail(`whoami has no console_url: ${JSON.stringify(who)}`);
const agent = await call("create_agent", { label: "support agent" });
const org = await call("create_org", { name: "Northwind Studio", default_language: "en",
  description: "<img src=x onerror=\"document.title='pwned'\"> a hostile description" });
await call("create_webhook", { org_id: org.id, url: hookURL, name: "orders" });
await call("update_org", { org_id: org.id, business_sector: "Design" });
const setup = await call("setup_payment");
const checkout = setup.url ?? setup.data?.url;
if (!checkout) await fail(`setup_payment: ${JSON.stringify(setup)}`);
step(`story: agent ${agent.account_id}, org ${org.id}, checkout ${checkout}`);

// CSP violations are console errors; failed loads are checked by URL below.
const { page, problems, close } = await launch({ viewport: { width: 1440, height: 900 },
  consoleIgnore: (text) => text.startsWith("Failed to load resource") });
cleanup = async () => {
  await close();
  await client.close().catch(() => {});
  receiver.close();
};
page.on("response", (r) => {
  if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`${r.status()} for ${r.url()}`);
});

// The human saves the test card on the hosted checkout page.
await page.goto(checkout);
await page.click("button[type=submit]");
await page.waitForSelector("text=Card saved");
await call("top_up", { amount_cents: 2500 });
await call("import_brand", { domain: "northwind-traders.com", wait: true, max_wait_seconds: 30 });
await call("send_link_email", { email: "ada@example.com" });
const password = "a sandbox password 42";
const human = await call("register_account", { email: "ada@example.com", password });
await call("get_balance");

await page.goto(consoleURL);
await page.waitForSelector("#status.on", { timeout: 10000 }); // the live stream is connected
// The human opens the verification mail in the console's outbox and follows its link.
const verifyMail = page.locator(`#${human.account_id} details.mail`, { hasText: "Verify your MyAPIHQ account" });
await verifyMail.locator("summary").click();
await verifyMail.locator("a.button").click();
await page.waitForSelector("text=Email verified");
await page.goto(consoleURL);
await page.waitForSelector("#status.on", { timeout: 10000 });
await call("login", { email: "ada@example.com", password });
await call("link_agent");
await page.waitForFunction((id) => document.querySelector(`#${id} .facts`)?.textContent.includes("linked to"), human.account_id, { timeout: 10000 })
  .catch(() => fail("the link between the human and the agent did not appear"));
// Deliveries are sent in the background: the stream brings the final state.
await page.waitForFunction(() => document.querySelector("#live")?.textContent.includes("delivered"), null, { timeout: 10000 })
  .catch(() => {});
const text = await page.locator("#live").textContent(); // closed <details> count too: they are in the DOM
const want = {
  "the agent account": agent.account_id,
  "the agent's label": "support agent",
  "the org": "Northwind Studio",
  "the org id": org.id,
  "the webhook": hookURL,
  "the top-up ledger row": "Top-up $25.00",
  "the import charge row": "Brand import of northwind-traders.com",
  "the balance": "$24.75",
  "the delivery": "organization.updated",
  "the signature header": "X-MyAPIHQ-Signature",
  "the mail": "Link an agent to your MyAPIHQ account",
  "the request log": "/hq/billing/topup",
  "the human account": human.account_id,
  "the verified human": "verified",
  "the verification mail": "Verify your MyAPIHQ account",
  "the hostile description, as text": "<img src=x onerror=",
};
for (const [what, s] of Object.entries(want)) {
  if (!text.includes(s)) await fail(`the console's DOM lacks ${what} (${s})`);
}
if (hits === 0) step("note: the receiver got no delivery yet");
if ((await page.locator(".chart .line").count()) < 1) await fail("no balance chart");
if ((await page.title()) === "pwned") await fail("a script from the org description ran");
step("console: account, org, ledger, delivery, mail and request log are on the page");

// A new top-up appears without a reload.
await page.evaluate(() => { window.__sameDocument = true; });
const updates = Number(await page.getAttribute("body", "data-updates") || 0);
await call("top_up", { amount_cents: 1234 });
await page.waitForFunction(() => document.querySelector("#live")?.textContent.includes("Top-up $12.34"), null, { timeout: 10000 })
  .catch(() => fail("the new top-up did not appear without a reload"));
if (!(await page.evaluate(() => window.__sameDocument === true))) await fail("the page was reloaded");
if (Number(await page.getAttribute("body", "data-updates") || 0) <= updates) await fail("no live update was counted");
step("live: the new top-up appeared without a reload");

// Settle the screenshot: the latest state, details of one delivery open.
await page.locator("details.delivery summary").first().click();
await page.screenshot({ path: shot, fullPage: true });
if (problems.length) await fail(problems.join("; "));
await cleanup();
console.log(`console browser test: ok (${hits} webhook deliveries received), screenshot ${shot}`);
