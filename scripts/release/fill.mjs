// Fills the release's copies of the packaging templates: the MCPB manifest
// and the MCP Registry's server.json. Run by scripts/release.sh:
//   node fill.mjs manifest TEMPLATE VERSION TOOLS_JSON_FILE > manifest.json
//   node fill.mjs server   TEMPLATE VERSION MCPB_FILE      > server.json
// The templates stay valid as they are (version 0.0.0), so tests read them
// too; this sets the release's values by field, never by text substitution.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const [kind, template, version, input] = process.argv.slice(2);
const fail = (msg) => { console.error(`fill.mjs: ${msg}`); process.exit(1); };
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) fail(`version ${version}: want a semantic version`);
const doc = JSON.parse(readFileSync(template, "utf8"));

if (kind === "manifest") {
  doc.version = version;
  // The tools the install dialog lists: the binary's own inventory, so the
  // list cannot drift from what the server offers.
  const { tools } = JSON.parse(readFileSync(input, "utf8"));
  if (!Array.isArray(tools) || tools.length === 0) fail(`${input}: no tools`);
  doc.tools = tools.map((t) => ({ name: t.name, description: t.annotations?.title ?? t.description }));
} else if (kind === "server") {
  const sha = createHash("sha256").update(readFileSync(input)).digest("hex");
  const release = `https://github.com/myapihq/myapihq-mcp/releases/download/v${version}`;
  doc.version = version;
  for (const p of doc.packages) {
    if (p.registryType === "mcpb") {
      Object.assign(p, { identifier: `${release}/${basename(input)}`, version, fileSha256: sha });
    } else if (p.registryType === "oci") {
      p.identifier = p.identifier.replace(/:[^:/]+$/, `:${version}`);
    } else {
      fail(`unexpected package type ${p.registryType}`);
    }
  }
} else {
  fail(`usage: node fill.mjs manifest|server TEMPLATE VERSION FILE`);
}
process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
