"""Decay monitoring: the baseline frozen at capture and drift against it."""
