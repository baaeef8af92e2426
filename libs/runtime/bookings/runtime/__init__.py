"""What every service process shares: settings read from env vars, logging, a clean start."""
