"""Classic saliency family (paper Table 3, first 13 rows). Importing registers every model."""
