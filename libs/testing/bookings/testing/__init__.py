"""Real PostgreSQL and Redis servers for tests: started on demand, always stopped."""
