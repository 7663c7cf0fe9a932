"""Comparison and validation reports, the test predictions they are drawn from, and their curves."""
