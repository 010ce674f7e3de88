package oauth

import (
	"encoding/json"
	"net/http"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// The discovery documents: RFC 9728 (which authorization server protects
// /mcp, with which scopes) through mcp-go's handler, and RFC 8414 (what
// this authorization server supports). Both are static per start.

func (s *Server) protectedResourceMetadata() http.Handler {
	return mcpserver.NewProtectedResourceMetadataHandler(mcpserver.ProtectedResourceMetadataConfig{
		Resource:               s.resource,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        Scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "MyAPIHQ",
	})
}

// ResourceMetadataURL is where a 401 points clients (WWW-Authenticate's
// resource_metadata).
func (s *Server) ResourceMetadataURL() string { return s.origin + s.prmPath }

func (s *Server) wellKnownAS() string { return "GET /.well-known/oauth-authorization-server" }

func (s *Server) authorizationServerMetadata(w http.ResponseWriter, _ *http.Request) {
	md := map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + "/authorize",
		"token_endpoint":                                 s.issuer + "/token",
		"registration_endpoint":                          s.issuer + "/register",
		"revocation_endpoint":                            s.issuer + "/revoke",
		"scopes_supported":                               Scopes,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"code_challenge_methods_supported":               []string{"S256"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	}
	cors(w)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, md)
}

// cors lets browser-based clients read the discovery documents and call
// the token, registration and revocation endpoints from another origin;
// none of them uses cookies, so no credentials are allowed.
func cors(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
}

func (s *Server) preflight(w http.ResponseWriter, _ *http.Request) {
	cors(w)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}
