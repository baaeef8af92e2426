"""Pytest fixtures for tests that need real PostgreSQL and Redis servers (see pytest_plugin)."""
