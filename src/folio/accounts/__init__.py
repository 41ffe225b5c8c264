"""Accounts: registration, sign-in, profiles, moderation."""
