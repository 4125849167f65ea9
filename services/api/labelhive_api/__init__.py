"""LabelHive REST API."""
