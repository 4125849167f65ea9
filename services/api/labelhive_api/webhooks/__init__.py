"""Signed webhooks delivered from an outbox by a background worker, with retries and a log."""
