"""The external-model server and its per-model adapters.

These files also run outside this package, in each model's own Python: `lmm_server.py` puts this
folder on its path and imports `lmm_protocol` and the adapter of `backends/` by file, so none of them
may import `baselines` or `bench`.
"""
