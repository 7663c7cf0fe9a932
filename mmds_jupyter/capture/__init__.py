"""Capture a fitted estimator from the kernel: introspection, data sets, metrics, provenance."""
