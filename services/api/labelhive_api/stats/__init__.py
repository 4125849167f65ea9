"""Project statistics from counters maintained in the same transaction as the change."""
