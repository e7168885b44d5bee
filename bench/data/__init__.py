"""Datasets in the harness format: samples, manifests, splits, the official importer."""
