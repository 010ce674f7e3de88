// Debian's Chromium, headless, in a throw-away profile, for the browser
// tests (console.mjs, app.mjs). The page collects what must not happen:
// script errors, dialogs, console errors (CSP violations among them).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function launch({ viewport, colorScheme = "light", consoleIgnore = () => false }) {
  const profile = mkdtempSync(join(tmpdir(), "myapihq-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, viewport, colorScheme,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`a dialog opened: ${d.message()}`); d.dismiss(); });
  page.on("console", (m) => { if (m.type() === "error" && !consoleIgnore(m.text())) problems.push(`console error: ${m.text()}`); });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, problems, close };
}
