"""Webhooks as Standard Webhooks v1.0.0 describes them: endpoint secrets, signatures, and which
target URLs an endpoint may have."""
