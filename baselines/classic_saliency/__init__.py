"""Classic saliency family (paper Table 3, first 13 rows). Importing registers every model."""
from . import aim, ca, covsal, gbvs, hft, itti, judd, murray, pft, smvj, sr, sun, swd  # noqa: F401
