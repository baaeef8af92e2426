"""HTTP routes, one module per area; each parses input, calls the domain, shapes output."""
