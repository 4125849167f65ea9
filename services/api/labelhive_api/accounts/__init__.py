"""Accounts: users, sessions, API tokens, invites, login."""
