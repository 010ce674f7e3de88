package app

import (
	"fmt"

	"github.com/myapihq/myapihq-mcp/services"
	"github.com/myapihq/myapihq-mcp/tools"
)

// openServices gives the tools their door to the other services. With the
// embedded sandbox, every service is its stand-in unless a --service-url
// says otherwise.
func (a *App) openServices() error {
	over, err := services.ParseOverrides(a.Config.ServiceURLs)
	if err != nil {
		return err
	}
	if a.Config.Sandbox {
		for _, h := range services.Hosts() {
			if _, set := over[h]; !set {
				over[h] = a.BaseURL + "/_services/" + h
			}
		}
	}
	door, err := tools.NewServiceDoor(services.Options{Overrides: over, Log: a.Log,
		UserAgent: fmt.Sprintf("myapihq-mcp/%s", a.Config.Version)}, a.Store)
	if err != nil {
		return err
	}
	a.Deps.Door, a.Deps.EnvFileDir = door, a.Config.EnvFileDir
	tools.RegisterServices(a.MCP, a.Deps)
	return nil
}
