pytest_plugins = ["bookings.testing.pytest_plugin", "pytester"]
