"""Signed webhooks: endpoints, one delivery per (endpoint, event), attempts with backoff."""
