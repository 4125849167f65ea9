"""Annotations: shapes, optimistic concurrency, append-only history, drafts."""
