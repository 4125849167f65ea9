"""Predictions (pre-labels) per task and model version, and pre-label jobs on the worker queue."""
