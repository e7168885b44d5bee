"""The model families, in the order of the paper's tables, with their names and Table 1 markers.
Defined here once; the registry, `bench list`, the runner and the tables read them from here."""

FAMILIES = ("handcrafted_iqa", "deep_iqa", "deep_vqa", "lmm", "classic_saliency", "deep_saliency", "lmme3dhf")

FAMILY_NAMES = {"handcrafted_iqa": "Handcrafted IQA models", "deep_iqa": "Deep learning-based IQA models",
                "deep_vqa": "Deep learning-based VQA models", "lmm": "LMM-based models",
                "classic_saliency": "Classic saliency models", "deep_saliency": "Deep saliency models",
                "lmme3dhf": "LMME3DHF"}

# Table 1's caption: the markers of its four baseline blocks.
FAMILY_MARKERS = {"handcrafted_iqa": "♦", "deep_iqa": "◊", "deep_vqa": "♣", "lmm": "♡"}
