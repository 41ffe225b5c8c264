"""Signing in: the pages under /auth, sessions, API tokens and their revocation."""
