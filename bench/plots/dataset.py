"""`bench data figures DATASET --out DIR`: the paper's dataset figures for any dataset in the harness format.

- fig2a_mos_histograms: MOS distribution per dimension (paper Fig. 2a)
- fig2b_mos_by_generator: mean MOS (and SD) per generator network (Fig. 2b); for datasets without
  generator labels, per block of consecutive ids (the release's 200-seed blocks; unconfirmed)
- fig3a_category_counts: distortion-category counts (Fig. 3a)
- fig3b_category_by_generator: category x generator heatmap (Fig. 3b)
- fig5_dots_and_saliency: annotated 3-view images (red dots) beside their saliency maps (Fig. 5)
- fig6_saliency_and_scores: saliency maps over the 3-view images with their scores (Fig. 6)

Each as PNG and PDF. Figures whose data the dataset lacks (categories, maps or images in a
labels-only import) are skipped and the reason printed. Every title carries the dataset's
label, which names the synthetic stand-in as such.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bench.data.categories import CATEGORIES, SHORT
from bench.data.dataset import Dataset, load_dataset
from bench.data.sample import DIMENSIONS

COLOURS = {"quality": "#3a6ea5", "authenticity": "#c0504d"}


def add_figures_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="dataset folder (with manifest.json) or manifest path")
    parser.add_argument("--out", required=True, help="folder for the figures")
    parser.add_argument("--examples", type=int, default=4, help="samples shown in Fig. 5 and 6 (default 4)")
    parser.add_argument("--formats", default="png,pdf", help="comma-separated: png, pdf (default both)")


def run_figures(args) -> int:
    formats = tuple(f.strip().lower() for f in args.formats.split(",") if f.strip())
    written, skipped = draw_figures(args.dataset, args.out, examples=args.examples, formats=formats)
    for p in written:
        print(p)
    for name, why in skipped.items():
        print(f"skipped {name}: {why}", file=sys.stderr)
    return 0


def draw_figures(dataset, out, examples: int = 4, formats=("png", "pdf")) -> tuple[list[Path], dict]:
    """Draw every figure the dataset supports. Returns (files written, {figure: reason skipped})."""
    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, skipped = [], {}
    for name, fn in (("fig2a_mos_histograms", fig_mos_histograms), ("fig2b_mos_by_generator", fig_mos_by_generator),
                     ("fig3a_category_counts", fig_category_counts),
                     ("fig3b_category_by_generator", fig_category_by_generator),
                     ("fig5_dots_and_saliency", lambda d: fig_dots_and_saliency(d, examples)),
                     ("fig6_saliency_and_scores", lambda d: fig_saliency_and_scores(d, examples))):
        result = fn(ds)
        if isinstance(result, str):
            skipped[name] = result
            continue
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            result.savefig(path, dpi=130 if fmt == "png" else None, bbox_inches="tight")
            written.append(path)
    return written, skipped


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _mos(ds: Dataset, dim: str) -> np.ndarray:
    return np.array([s.mos[dim] for s in ds.samples if dim in s.mos], float)


def fig_mos_histograms(ds: Dataset):
    dims = [d for d in DIMENSIONS if len(_mos(ds, d))]
    if not dims:
        return "no MOS in this dataset"
    fig = _figure(5.0 * len(dims), 3.6)
    axes = fig.subplots(1, len(dims), squeeze=False)[0]
    for ax, dim in zip(axes, dims):
        v = _mos(ds, dim)
        ax.hist(v, bins=min(30, max(8, len(v) // 8)), color=COLOURS[dim], alpha=0.85, edgecolor="white")
        ax.axvline(v.mean(), color="black", lw=1, ls="--")
        ax.set_title(f"{dim} MOS (n={len(v)}, mean {v.mean():.1f}, SD {v.std():.1f})", fontsize=9)
        ax.set_xlabel("MOS")
        ax.set_ylabel("videos")
    fig.suptitle(f"MOS distributions (cf. paper Fig. 2a) - {ds.label}", fontsize=10)
    return fig


def generator_groups(ds: Dataset) -> tuple[list[str], list[str], str]:
    """(group per sample, group order, axis label): generator names, else blocks of consecutive ids."""
    gens = [s.generator for s in ds.samples]
    if all(g for g in gens):
        order = list(dict.fromkeys(sorted(gens)))
        if any("(presumed)" in g for g in gens):  # the official importer's 200-seed blocks
            return gens, order, "presumed generator network (200-seed blocks of the release; unconfirmed)"
        return gens, order, "generator network"
    ids = sorted(s.id for s in ds.samples)
    n_blocks = 10 if len(ids) >= 10 else len(ids)
    pos = {i: k for k, i in enumerate(ids)}
    size = int(np.ceil(len(ids) / n_blocks))
    groups = [f"ids {pos[s.id] // size * size}-{min(len(ids), (pos[s.id] // size + 1) * size) - 1}" for s in ds.samples]
    order = sorted(set(groups), key=lambda g: int(g.split()[1].split("-")[0]))
    return groups, order, "block of consecutive ids (generator labels absent; blocks are a guess)"


def fig_mos_by_generator(ds: Dataset):
    dims = [d for d in DIMENSIONS if len(_mos(ds, d))]
    if not dims:
        return "no MOS in this dataset"
    groups, order, label = generator_groups(ds)
    fig = _figure(max(6.0, 0.75 * len(order) + 2), 3.8)
    ax = fig.subplots()
    x = np.arange(len(order))
    width = 0.8 / len(dims)
    for k, dim in enumerate(dims):
        means, sds = [], []
        for g in order:
            v = np.array([s.mos[dim] for s, gg in zip(ds.samples, groups) if gg == g and dim in s.mos])
            means.append(v.mean() if len(v) else np.nan)
            sds.append(v.std() if len(v) else 0)
        ax.bar(x + (k - (len(dims) - 1) / 2) * width, means, width, yerr=sds, capsize=2, color=COLOURS[dim],
               label=dim, alpha=0.9)
    ax.set_xticks(x)
    ax.set_xticklabels(order, rotation=35, ha="right", fontsize=8)
    ax.set_xlabel(label, fontsize=8)
    ax.set_ylabel("mean MOS (bars: SD)")
    lo = min(np.nanmin([s.mos[d] for s in ds.samples for d in dims if d in s.mos]) - 5, 30)
    ax.set_ylim(max(0, lo), 100 if lo < 0 else None)
    ax.legend(fontsize=8)
    ax.set_title(f"MOS per generator (cf. paper Fig. 2b) - {ds.label}", fontsize=10)
    return fig


def _has_categories(ds: Dataset) -> bool:
    return any(s.distortions for s in ds.samples)


def fig_category_counts(ds: Dataset):
    if not _has_categories(ds):
        return "no distortion categories in this dataset (labels-only import)"
    counts = np.array([sum(c in (s.distortions or ()) for s in ds.samples) for c in CATEGORIES])
    fig = _figure(7.5, 3.8)
    ax = fig.subplots()
    ax.barh(np.arange(len(CATEGORIES))[::-1], counts, color="#5b8c5a")
    ax.set_yticks(np.arange(len(CATEGORIES))[::-1])
    ax.set_yticklabels(CATEGORIES, fontsize=8)
    for y, c in zip(np.arange(len(CATEGORIES))[::-1], counts):
        ax.text(c, y, f" {c}", va="center", fontsize=7)
    ax.set_xlabel("videos")
    ax.set_title(f"Distortion categories (cf. paper Fig. 3a) - {ds.label}", fontsize=10)
    return fig


def fig_category_by_generator(ds: Dataset):
    if not _has_categories(ds):
        return "no distortion categories in this dataset (labels-only import)"
    groups, order, label = generator_groups(ds)
    m = np.zeros((len(CATEGORIES), len(order)), int)
    for s, g in zip(ds.samples, groups):
        for c in s.distortions or ():
            m[CATEGORIES.index(c), order.index(g)] += 1
    fig = _figure(max(6.0, 0.7 * len(order) + 3.5), 4.2)
    ax = fig.subplots()
    im = ax.imshow(m, cmap="YlOrRd", aspect="auto")
    ax.set_xticks(np.arange(len(order)))
    ax.set_xticklabels(order, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(CATEGORIES)))
    ax.set_yticklabels([SHORT[c] for c in CATEGORIES], fontsize=8)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > m.max() * 0.6 else "black")
    ax.set_xlabel(label, fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.03)
    ax.set_title(f"Categories per generator (cf. paper Fig. 3b) - {ds.label}", fontsize=10)
    return fig


def _annotated_image(ds: Dataset, sample):
    """The 3-view image with the annotators' dots: the manifest's `annotated_image`, else `image`."""
    import cv2

    rec = next((r for r in ds.records if r["id"] == sample.id), {})
    for key in ("annotated_image", "image"):
        if rec.get(key) and (ds.root / rec[key]).is_file():
            img = cv2.imread(str(ds.root / rec[key]), cv2.IMREAD_COLOR)
            if img is not None:
                return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return None


def _with_maps(ds: Dataset) -> list:
    return [s for s in ds.samples if s.saliency_map is not None and s.saliency_map.is_file()
            and (s.image is not None and s.image.is_file())]


def _spread_by_mos(samples, n: int, want_salient: bool = True) -> list:
    """`n` samples spanning the MOS range (worst to best), preferring ones whose map is not empty."""
    def score(s):
        return np.mean([s.mos[d] for d in DIMENSIONS if d in s.mos]) if s.mos else 0.0
    pool = sorted(samples, key=score)
    if want_salient:
        salient = [s for s in pool if s.saliency() is not None and s.saliency().max() > 0]
        pool = salient if len(salient) >= n else pool
    if len(pool) <= n:
        return pool
    idx = np.unique(np.linspace(0, len(pool) - 1, n).round().astype(int))
    return [pool[i] for i in idx]


def fig_dots_and_saliency(ds: Dataset, n: int = 4):
    pool = _with_maps(ds)
    if not pool:
        return "no saliency maps with 3-view images in this dataset"
    chosen = _spread_by_mos(pool, n)
    fig = _figure(9.0, 1.75 * 2 * len(chosen) + 0.4)
    axes = fig.subplots(2 * len(chosen), 1, squeeze=False)[:, 0]
    for k, s in enumerate(chosen):
        img = _annotated_image(ds, s)
        img = s.three_view() if img is None else img
        axes[2 * k].imshow(img)
        axes[2 * k].set_title(_wrap(f"{s.id}: annotated 3-view image - {s.description or 'no description'}"),
                              fontsize=7)
        axes[2 * k + 1].imshow(s.saliency(), cmap="gray", vmin=0, vmax=1)
        axes[2 * k + 1].set_title("distortion-aware saliency map", fontsize=7)
    for ax in axes:
        ax.axis("off")
    fig.suptitle(f"Red dots and saliency maps (cf. paper Fig. 5) - {ds.label}", fontsize=10)
    return fig


def _wrap(text: str, width: int = 120, lines: int = 2) -> str:
    import textwrap
    parts = textwrap.wrap(text, width)
    return "\n".join(parts[:lines]) + (" ..." if len(parts) > lines else "")


def fig_saliency_and_scores(ds: Dataset, n: int = 4):
    pool = _with_maps(ds)
    if not pool:
        return "no saliency maps with 3-view images in this dataset"
    chosen = _spread_by_mos(pool, n, want_salient=False)
    fig = _figure(9.0, 1.75 * len(chosen) + 0.4)
    axes = fig.subplots(len(chosen), 1, squeeze=False)[:, 0]
    for ax, s in zip(axes, chosen):
        img = s.three_view().astype(float) / 255.0
        smap = s.saliency()
        if smap.shape != img.shape[:2]:
            import cv2
            smap = cv2.resize(smap, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
        heat = np.stack([smap, 0.2 * smap, 0 * smap], -1)
        ax.imshow(np.clip(img * (1 - 0.6 * smap[..., None]) + 0.9 * heat, 0, 1))
        scores = ", ".join(f"{d} {s.mos[d]:.1f}" for d in DIMENSIONS if d in s.mos)
        cats = ", ".join(SHORT.get(c, c) for c in (s.distortions or ()))
        ax.set_title(f"{s.id}: {scores} | levels {', '.join(s.levels.values())} | {cats}", fontsize=7)
        ax.axis("off")
    fig.suptitle(f"Saliency and scores, worst to best (cf. paper Fig. 6) - {ds.label}", fontsize=10)
    return fig
