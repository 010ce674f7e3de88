// Runs an MCPB bundle the way a host (Claude Desktop) does, with the
// official MCPB library: unpack it (keeping the executable bits), resolve
// its mcp_config for this OS with ${__dirname} and ${user_config.*} (the
// manifest's defaults, then a user's choices), start the command, and talk
// to it through the official MCP TypeScript SDK: initialize, tools/list, a
// call on the sandbox. Exit 1 on any miss. Run by packaging/mcpb_test.go:
//   node mcpb-host.mjs BUNDLE.mcpb VERSION
import { accessSync, constants, mkdtempSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";
import { getMcpConfigForManifest, unpackExtension } from "@anthropic-ai/mcpb";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bundle, version] = process.argv.slice(2);
const fail = (msg) => { console.error(`mcpb host: ${msg}`); process.exit(1); };

const dir = mkdtempSync(join(tmpdir(), "mcpb-host-"));
if (!(await unpackExtension({ mcpbPath: bundle, outputDir: dir, silent: true }))) fail(`cannot unpack ${bundle}`);
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

// What a user may choose in the install dialog, and what each must do.
const cases = [
  { label: "defaults", userConfig: {}, readOnly: false },
  { label: "read-only, another profile, a budget", userConfig: { read_only: true, profile: "work", max_spend_cents: 2500 }, readOnly: true },
];
for (const { label, userConfig, readOnly } of cases) {
  const cfg = await getMcpConfigForManifest({
    manifest, extensionPath: dir, systemDirs: { HOME: homedir() }, userConfig, pathSeparator: sep,
  });
  if (!cfg) fail(`${label}: no mcp_config for ${process.platform}`);
  const left = JSON.stringify(cfg).match(/\$\{[^}]+\}/);
  if (left) fail(`${label}: ${left[0]} is not resolved: ${JSON.stringify(cfg)}`);
  if (!isAbsolute(cfg.command) || relative(dir, cfg.command).startsWith("..")) fail(`${label}: command ${cfg.command} is not in the bundle`);
  try { accessSync(cfg.command, constants.X_OK); } catch { fail(`${label}: ${cfg.command} lost its executable bit`); }
  if (cfg.env.MYAPI_READ_ONLY !== String(readOnly)) fail(`${label}: env ${JSON.stringify(cfg.env)}`);

  // A host passes its own few variables (here PATH and HOME, and the test's
  // file credential store, since CI has no keyring) plus the manifest's env.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MYAPI_CREDENTIAL_STORE: process.env.MYAPI_CREDENTIAL_STORE ?? "auto", ...cfg.env };
  const transport = new StdioClientTransport({ command: cfg.command, args: cfg.args, env, stderr: "ignore" });
  const client = new Client({ name: "mcpb host test", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  const server = client.getServerVersion();
  if (server?.version !== version) fail(`${label}: server says version ${server?.version}, want ${version}`);

  const { tools } = await client.listTools();
  const offered = new Set(tools.map((t) => t.name));
  const shown = manifest.tools.map((t) => t.name);
  if (readOnly ? offered.has("create_agent") : !shown.every((n) => offered.has(n))) fail(`${label}: tools ${[...offered]}`);
  const call = async (name, args = {}) => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) fail(`${label}: ${name}: ${JSON.stringify(r.content)}`);
    return r.structuredContent;
  };
  const who = await call("whoami");
  if (who.service !== "sandbox") fail(`${label}: whoami: ${JSON.stringify(who)}`);
  if (!readOnly) {
    const agent = await call("create_agent", { label: "mcpb" });
    if (!/^acct_/.test(agent.account_id)) fail(`${label}: create_agent: ${JSON.stringify(agent)}`);
  }
  await client.close();
  console.log(`ok  ${label}: ${cfg.command.slice(dir.length + 1)} ${server.name} ${server.version}, ${tools.length} tools, whoami on the ${who.service}`);
}
