// A test host for the MyAPIHQ MCP App, built on the official ext-apps
// AppBridge (bundled for the browser by app.mjs with esbuild). It loads the
// app's HTML in a sandboxed iframe (scripts only, an opaque origin), under
// the CSP a host derives from the resource's _meta.ui.csp, and forwards the
// app's tools/call and resources/read to functions the test exposes
// (window.hostCallTool, window.hostReadResource), which reach the real server.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

// The CSP a host builds from the declared domains (all empty here: no
// network, no frames), as ext-apps' reference host does.
function hostCSP(csp) {
  const list = (v) => (Array.isArray(v) ? v.join(" ") : "");
  const res = list(csp && csp.resourceDomains);
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${res}`.trim(),
    `style-src 'unsafe-inline' ${res}`.trim(),
    `img-src data: ${res}`.trim(),
    `font-src ${res || "'none'"}`,
    `connect-src ${list(csp && csp.connectDomains) || "'none'"}`,
    `frame-src ${list(csp && csp.frameDomains) || "'none'"}`,
    `base-uri ${list(csp && csp.baseUriDomains) || "'none'"}`,
  ].join("; ");
}

window.startHost = async ({ html, meta, hostContext }) => {
  const iframe = document.createElement("iframe");
  iframe.id = "app";
  iframe.title = "MyAPIHQ account";
  iframe.setAttribute("sandbox", "allow-scripts");
  document.getElementById("frame").append(iframe);

  const bridge = new AppBridge(null, { name: "myapihq-mcp test host", version: "1.0.0" },
    { serverTools: {}, serverResources: {}, openLinks: {}, logging: {} }, { hostContext });
  bridge.oncalltool = async (params) => window.hostCallTool(params);
  bridge.onreadresource = async (params) => window.hostReadResource(params);
  bridge.addEventListener("sizechange", ({ height }) => {
    if (typeof height === "number") iframe.style.height = `${Math.ceil(height)}px`;
  });
  bridge.addEventListener("initialized", () => { window.__appInitialized = true; });
  window.hostBridge = bridge;

  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  const policy = `<meta http-equiv="Content-Security-Policy" content="${hostCSP(meta && meta.ui && meta.ui.csp)}">`;
  iframe.srcdoc = html.replace(/<head>/i, `<head>${policy}`);
};

window.sendResult = (result) => window.hostBridge.sendToolResult(result);
window.setContext = (ctx) => window.hostBridge.setHostContext(ctx);
