"""Governance: the rules and records of a model's life cycle (alias history, audit, ...)."""
