"""LabelHive Kubernetes operator."""
