"""Real-service test harness: PostgreSQL, RabbitMQ, S3, Kubernetes, Chromium on loopback."""
