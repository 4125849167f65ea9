"""HTTP layer: dependencies, error handling, the /api/v1 router."""
