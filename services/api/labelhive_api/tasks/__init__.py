"""Tasks (one per image), batches, assignment and the leased "next task" queue."""
