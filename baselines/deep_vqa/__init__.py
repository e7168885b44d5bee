"""Deep VQA family (paper Table 1, the ♣ block). Importing registers every model."""
from baselines.deep_vqa import backbones  # noqa: F401
