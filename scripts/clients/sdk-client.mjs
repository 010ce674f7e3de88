// The official TypeScript SDK as a host would use it: spawn the server over
// stdio, initialize, list tools and prompts, onboard, create an org, read the
// balance, read a resource; check the structured results. Exit 1 on any miss.
//   node sdk-client.mjs /path/to/myapihq-mcp --sandbox ...
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
const fail = (msg) => { console.error(`sdk client: ${msg}`); process.exit(1); };

const transport = new StdioClientTransport({ command, args, env: { ...process.env }, stderr: "ignore" });
const client = new Client({ name: "myapihq-mcp sdk test", version: "1.0.0" }, { capabilities: {} });
await client.connect(transport);

const { tools } = await client.listTools();
// The count the binary itself reports (`tools --json`), so a new tool is not a failure here.
const want = Number(process.env.WANT_TOOLS);
if (!want || tools.length !== want) fail(`tools/list: ${tools.length} tools, want ${process.env.WANT_TOOLS}`);
for (const t of tools) {
  const a = t.annotations ?? {};
  if (!a.title || [a.readOnlyHint, a.destructiveHint, a.idempotentHint, a.openWorldHint].some((h) => typeof h !== "boolean")) {
    fail(`${t.name}: annotations not all set`);
  }
}
const { prompts } = await client.listPrompts();
if (prompts.map((p) => p.name).sort().join() !== "billing_checkup,brand_from_domain,onboard") fail(`prompts: ${prompts.map((p) => p.name)}`);

async function call(name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) fail(`${name}: ${JSON.stringify(r.content)}`);
  if (typeof r.structuredContent !== "object" || r.structuredContent === null) fail(`${name}: no structured content`);
  return r.structuredContent;
}

const who = await call("whoami");
if (who.service !== "sandbox") fail(`whoami: ${JSON.stringify(who)}`);
const agent = await call("create_agent", { label: "sdk" });
if (!/^acct_/.test(agent.account_id) || !agent.api_key.startsWith("hq_live_…")) fail(`create_agent: ${JSON.stringify(agent)}`);
const org = await call("create_org", { name: "SDK Org", gdpr_enabled: true });
if (!/^org_/.test(org.id) || org.name !== "SDK Org" || org.gdpr_enabled !== true) fail(`create_org: ${JSON.stringify(org)}`);
const balance = await call("get_balance");
if (balance.balance_cents !== 0 || balance.has_payment_method !== false || balance.balance_display !== "$0.00") fail(`get_balance: ${JSON.stringify(balance)}`);
const orgs = await call("list_orgs");
if (orgs.items?.length !== 1 || orgs.items[0].id !== org.id) fail(`list_orgs: ${JSON.stringify(orgs)}`);

const account = await client.readResource({ uri: "myapihq://account" });
if (!account.contents[0].text.includes(agent.account_id)) fail(`myapihq://account: ${account.contents[0].text}`);
const one = await client.readResource({ uri: `myapihq://orgs/${org.id}` });
if (JSON.parse(one.contents[0].text).name !== "SDK Org") fail(`myapihq://orgs/{id}: ${one.contents[0].text}`);

await client.close();
const server = client.getServerVersion();
console.log(`sdk client: ok against ${server?.name} ${server?.version}: ${tools.length} tools, 3 prompts, onboarding, org ${org.id}, balance ${balance.balance_display}, 2 resources read`);
