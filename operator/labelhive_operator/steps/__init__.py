"""The reconcile's steps, one module each, in dependency order (conditions.STEPS); each returns its
Condition, or raises StepFailed with it. handlers/handle_reconcile_project.py runs them."""
