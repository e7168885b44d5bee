"""Benchmark harness for quality assessment of AI-generated 3D human faces (Gen3DHF / LMME3DHF)."""

__version__ = "0.1.0"
