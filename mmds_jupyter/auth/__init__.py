"""Identities of team mode: users and their API tokens (roles and JupyterHub come next)."""
