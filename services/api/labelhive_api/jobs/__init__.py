"""Background work of the API: one runner for every kind of job (imports, exports, webhook deliveries,
image-size look-ups), started by the app's lifespan; routes only enqueue and wake it (`jobs/deps.py`)."""
