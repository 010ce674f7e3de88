// Package oauth is the remote mode's OAuth 2.1 authorization server and
// resource-server check, so that hosts which connect by URL (claude.ai,
// ChatGPT, VS Code) can sign a human in and call tools without a static
// header. MyAPIHQ has no OAuth server of its own: this one signs people in
// with what MyAPIHQ has (an agent's API key and PIN, or a human's email and
// password and then one of their linked agents), keeps what it needs to act
// (the agent's key and PIN) sealed in a grant, and hands the client only
// opaque tokens bound to this server's resource URL. Those tokens are never
// sent to MyAPIHQ.
//
// It knows HTTP, its Store (memory or Redis) and the HQ interface; it knows
// no MCP tool type: the remote mode asks Authenticate who a request is, and
// ScopeFor which scope a tool needs. docs/oauth.md describes the protocol
// choices and why the machinery is ours rather than a library's.
package oauth
