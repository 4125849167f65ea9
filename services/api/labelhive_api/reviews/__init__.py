"""Review loop: submitted -> accepted | rejected -> rework -> resubmitted."""
