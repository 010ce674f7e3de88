package tools

// All is the tool inventory: the one table the server registers, the docs
// print and the tests snapshot.
func All(cfg Config) []Tool {
	if cfg.MaxTopUpCents <= 0 {
		cfg.MaxTopUpCents = DefaultMaxTopUpCents
	}
	var out []Tool
	for _, group := range [][]Tool{accountTools(), keyTools(), orgTools(), billingTools(cfg), importTools(), servicesTools(), {envFileTool()}} {
		for _, t := range group {
			if t.Output == nil {
				t.Output = outputs[t.Name]
			}
			out = append(out, t)
		}
	}
	return out
}
