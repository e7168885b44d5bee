"""The paper's five tables: which rows, in which order, which columns, which markers.

Source: Tables 1-5 of "LMME3DHF: Benchmarking and Evaluating Multimodal 3D Human Face
Generation with LMMs" (ACM MM 2025). Row labels are the paper's, with its reference numbers;
each row is mapped to the harness's registry model name so that runs and published numbers
can be matched (`bench compare`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# The same markers in LaTeX (amssymb): black diamond, lozenge, club, heart.
LATEX_MARKERS = {"♦": r"$\blacklozenge$", "◊": r"$\lozenge$", "♣": r"$\clubsuit$", "♡": r"$\heartsuit$"}


@dataclass(frozen=True)
class Column:
    task: str  # key in a record's "metrics"
    metric: str  # key inside the task; "plcc" is swapped for "plcc_logistic" on request
    label: str  # header text
    group: str = ""  # upper header (e.g. "Quality")
    higher_is_better: bool = True
    scale: float = 1.0  # display = value * scale (accuracy: fraction -> %)
    decimals: int = 4
    extra: bool = False  # not a column of the paper's table: shown only when some row has a value


@dataclass(frozen=True)
class TableSpec:
    number: int
    title: str
    columns: tuple
    families: tuple  # which families' rows belong here (runs); the paper's rows come from `rows`
    rows: tuple  # ((model, printed label), ...) in the paper's order
    markers: bool = False  # family markers in front of row labels (Table 1)
    ablation: bool = False  # rows are LMME3DHF ablations (records with an "ablation" field)


def _corr_columns() -> tuple:
    return tuple(Column(dim, m, m.upper(), dim.capitalize())
                 for dim in ("quality", "authenticity") for m in ("srcc", "plcc", "krcc"))


# Fraction in records ([0, 1]); the paper prints percent.
ACCURACY = Column("distortion", "accuracy", "Accuracy (%)", scale=100.0, decimals=2)
# The other readings of the paper's "average accuracy" of a multi-label answer (bench/metrics/fold.py).
DISTORTION_READINGS = tuple(Column("distortion", metric, label, scale=100.0, decimals=2, extra=True)
                            for metric, label in (("per_category", "Per-category (%)"), ("jaccard", "Jaccard (%)"),
                                                  ("hit", "Hit (%)")))
# Eq. 4 level accuracy per dimension (the LMMs' and LMME3DHF's level answers): beyond the paper.
LEVEL_ACCURACY = tuple(Column("level", f"accuracy_{dim}", dim.capitalize(), "Level acc. (%)", scale=100.0,
                              decimals=2, extra=True) for dim in ("quality", "authenticity"))
SALIENCY_COLUMNS = (Column("saliency", "auc_judd", "AUC↑"), Column("saliency", "nss", "NSS↑"),
                    Column("saliency", "cc", "CC↑"), Column("saliency", "sim", "SIM↑"),
                    Column("saliency", "kld", "KLD↓", higher_is_better=False))

LMM_ROWS = (("videochat2", "VideoChat2 (7B) [38]"), ("llava_next", "LLaVA-NeXT (8B) [36]"),
            ("internvl2_5", "InternVL2.5 (8B) [7]"), ("minicpm_v2_6", "MiniCPM-V2.6 (8B) [79]"),
            ("qwen2_vl", "Qwen2-VL (7B) [70]"), ("video_chatgpt", "Video-ChatGPT [47]"),
            ("video_llava", "Video-LLaVA [40]"), ("video_llama2", "Video-LLaMA2 [8]"))
OURS = ("lmme3dhf", "LMME3DHF (Ours)")

TABLE1 = TableSpec(
    1, "Performance comparisons of quality evaluation methods on {dataset} from perspectives of "
       "Quality and Authenticity",
    _corr_columns() + LEVEL_ACCURACY, ("handcrafted_iqa", "deep_iqa", "deep_vqa", "lmm", "lmme3dhf"),
    (("bmpri", "BMPRI [49]"), ("bpri", "BPRI [48]"), ("bpri_pss", "BPRI-PSS [48]"),
     ("bpri_lsss", "BPRI-LSSs [48]"), ("bpri_lssn", "BPRI-LSSn [48]"), ("brisque", "BRISQUE [51]"),
     ("hosa", "HOSA [76]"), ("niqe", "NIQE [52]"), ("qac", "QAC [77]"),
     # Unnamed in the paper's text; see results/paper/README.md and UNNAMED_ROWS.
     ("resnet18", "(unnamed row; likely ResNet-18 [19])"),
     ("resnet34", "ResNet-34 [19]"), ("resnet50", "ResNet-50 [19]"), ("vgg16", "VGG-16 [60]"),
     ("vgg19", "VGG-19 [60]"), ("swin_t", "Swin-T [44]"), ("swin_s", "Swin-S [44]"), ("swin_b", "Swin-B [44]"),
     ("swin_l", "Swin-L [44]"),
     ("cnniqa", "(unnamed row; likely CNNIQA [30])"),
     ("stairiqa", "StairIQA [67]"), ("hyperiqa", "HyperIQA [63]"),
     ("mc3_18", "MC3-18 [68]"), ("r2plus1d_18", "R2P1D-18 [68]"), ("r3d_18", "R3D-18 [68]"),
     ("swin3d_t", "Swin3D-T [45]"), ("swin3d_s", "Swin3D-S [45]"), ("swin3d_b", "Swin3D-B [45]"),
     ("simplevqa", "Simple-VQA [66]"), ("fastvqa", "Fast-VQA [71]"), ("dover", "DOVER [72]"),
     ("tcsvt_bvqa", "TCSVT-BVQA [33]"), ("vsfa", "VSFA [35]"))
    + LMM_ROWS + (OURS,),
    markers=True)

TABLE2 = TableSpec(
    2, "Performance comparisons of LMMs on visual question answering (distortion types) on {dataset}",
    (ACCURACY,) + DISTORTION_READINGS, ("lmm", "lmme3dhf"),
    (("videochat2", "VideoChat2 (7B) [38]"), ("internvl2_5", "InternVL2.5 (8B) [7]"),
     ("minicpm_v2_6", "MiniCPM-V2.6 (8B) [79]"), ("qwen2_vl", "Qwen2-VL (7B) [70]"),
     ("video_chatgpt", "Video-ChatGPT [47]"), OURS))

TABLE3 = TableSpec(
    3, "Performance comparisons of saliency models on distortion-aware saliency prediction on {dataset}",
    SALIENCY_COLUMNS, ("classic_saliency", "deep_saliency", "lmme3dhf"),
    (("aim", "AIM [2]"), ("ca", "CA [16]"), ("covsal", "CovSal [15]"), ("gbvs", "GBVS [18]"),
     ("hft", "HFT [37]"), ("it", "IT [27]"), ("judd", "Judd [28]"), ("murray", "Murray [53]"),
     ("pft", "PFT [17]"), ("smvj", "SMVJ [3]"), ("sr", "SR [21]"), ("sun", "SUN [81]"), ("swd", "SWD [14]"),
     ("salicon", "SALICON [24]"), ("sal_cfs_gan", "Sal-CFS-GAN [5]"),
     ("transalnet_resnet", "TranSalNet-ResNet [46]"), ("transalnet_dense", "TranSalNet-Dense [46]"), OURS))

TABLE4 = TableSpec(
    4, "Ablation study of LMME3DHF on distortion-aware saliency prediction on {dataset}",
    SALIENCY_COLUMNS, ("lmme3dhf",),
    (("lmme3dhf_ablation_t4_1", "(1) w/o LLM"), ("lmme3dhf_ablation_t4_2", "(2) Empty Prompt"),
     ("lmme3dhf_ablation_t4_3", "(3) Only multimodal features"),
     ("lmme3dhf_ablation_t4_4", "(4) LMME3DHF (Ours)")),
    ablation=True)

TABLE5 = TableSpec(
    5, "Ablation study of LMME3DHF on score prediction and visual question answering on {dataset}",
    _corr_columns() + (ACCURACY,), ("lmme3dhf",),
    tuple((f"lmme3dhf_ablation_t5_{i}", f"({i})") for i in range(1, 7)),
    ablation=True)

TABLES = {t.number: t for t in (TABLE1, TABLE2, TABLE3, TABLE4, TABLE5)}

# Rows a run may add that are not the paper's, by registry name: their label in the tables.
EXTRA_ROWS = {"qwen2_5_vl": "Qwen2.5-VL (7B), zero-shot (extra row)"}

# Table 5's training-strategy columns, shown as check marks.
TABLE5_SETTINGS = (("lora_vision", "LoRA r=8 (vision)"), ("lora_llm", "LoRA r=8 (LLM)"),
                   ("quality_regression", "Quality regression"))


def paper_order(number: int) -> dict[str, int]:
    """Model name -> position in the paper's table."""
    return {model: i for i, (model, _) in enumerate(TABLES[number].rows)}


def paper_label(model: str) -> Optional[str]:
    for spec in TABLES.values():
        for name, label in spec.rows:
            if name == model:
                return label
    return None
