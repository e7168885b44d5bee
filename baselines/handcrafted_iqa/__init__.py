"""Handcrafted IQA family (paper Table 1, first nine rows). Importing registers every model."""
