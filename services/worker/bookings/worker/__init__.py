"""The worker: outbox relay, reminder scheduler, reminder jobs, reconciler, webhook sender."""
