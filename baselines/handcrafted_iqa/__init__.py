"""Handcrafted IQA family (paper Table 1, first nine rows). Importing registers every model."""
from baselines.handcrafted_iqa import bmpri, bpri, brisque, hosa, niqe, qac  # noqa: F401
