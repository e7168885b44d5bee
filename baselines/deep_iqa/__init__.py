"""Deep IQA family (paper Table 1, the ◊ block). Importing registers every model."""
from baselines.deep_iqa import backbones  # noqa: F401
