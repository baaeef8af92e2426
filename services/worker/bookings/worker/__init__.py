"""The worker: outbox relay, reminder scheduler, reminder jobs and reconciler."""
