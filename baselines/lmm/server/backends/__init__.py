"""Server-side adapters, one per external model; loaded by `lmm_server.py` from their files, never imported here."""
