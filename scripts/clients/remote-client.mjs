// The official TypeScript SDK against the remote (multi-tenant) server, as
// two hosts at once, each sending its own tenant's headers over streamable
// HTTP. Prints every result's text (the Go test checks it for secrets);
// exit 1 on any miss. Run by e2e/remote_test.go:
//   node remote-client.mjs URL   (env: A_KEY, A_PIN, B_KEY, B_PIN)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const fail = (msg) => { console.error(`remote sdk client: ${msg}`); process.exit(1); };

async function host(name, key, pin) {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${key}`, "X-MyAPIHQ-Agent-PIN": pin } },
  });
  const client = new Client({ name: `remote sdk ${name}`, version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  const { tools } = await client.listTools();
  for (const local of ["create_agent", "logout", "login"]) {
    if (tools.some((t) => t.name === local)) fail(`${name}: ${local} offered remotely`);
  }
  const call = async (tool, args = {}) => {
    const r = await client.callTool({ name: tool, arguments: args });
    for (const c of r.content ?? []) if (c.type === "text") console.log(c.text);
    if (r.isError) fail(`${name} ${tool}: ${JSON.stringify(r.content)}`);
    return r.structuredContent;
  };
  const who = await call("whoami");
  if (who.pin !== true) fail(`${name} whoami: ${JSON.stringify(who)}`);
  await call("create_org", { name: `ts ${name} org` });
  const orgs = (await call("list_orgs")).items.map((o) => o.name);
  const balance = await call("get_balance");
  if (typeof balance.balance_cents !== "number") fail(`${name} get_balance: ${JSON.stringify(balance)}`);
  await client.close();
  return orgs;
}

const [a, b] = await Promise.all([
  host("alpha", process.env.A_KEY, process.env.A_PIN),
  host("beta", process.env.B_KEY, process.env.B_PIN),
]);
if (!a.includes("ts alpha org") || a.some((n) => n.includes("beta"))) fail(`alpha sees ${a}`);
if (!b.includes("ts beta org") || b.some((n) => n.includes("alpha"))) fail(`beta sees ${b}`);
console.error("remote sdk client: ok");
