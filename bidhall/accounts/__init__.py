"""Organisations, users, roles, passwords, API tokens and login throttling."""
