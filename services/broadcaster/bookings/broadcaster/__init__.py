"""The WebSocket broadcaster: pushes booking events from the Redis Stream to authenticated,
filtered, resumable listeners over raw RFC 6455 WebSockets."""
