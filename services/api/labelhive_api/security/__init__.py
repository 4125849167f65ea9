"""Passwords, tokens, permissions and CSRF: pure logic, no FastAPI."""
