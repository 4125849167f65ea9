"""Golden samples: per project label, a versioned set of reference shapes for exemplar pre-labeling."""
