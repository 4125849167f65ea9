"""Projects, memberships (roles) and versioned label schemas."""
