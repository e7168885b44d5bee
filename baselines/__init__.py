"""Baseline model families of the paper's tables; one folder per family, one module per model."""
