"""Label files in the authors' release format (ms-swift chat records), for any dataset in the harness.

`labels/numerical/{train,eval}_{quality,authenticity}.json` hold, per video, a user turn with the
authors' prompt and an assistant turn "The <dim> of the human face in this video is <level>. (<MOS>)";
`labels/text/...` the same without the number. Both dimensions list the same videos in the same
(shuffled) order; `train` and `eval` are the official split. Written exactly as the released files
are (compact JSON list, MOS with 15 significant digits, no trailing newline), see
`../shared/gen3dhf-official/README.md`.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.io import atomic_write_text

PROMPTS = {
    "quality": "<video>Please rate the quality of the human face in this video, considering factors such as "
               "resolution, clarity, smoothness, and overall visual quality.",
    "authenticity": "<video>Please rate the authenticity of the human face in this video, considering factors "
                    "such as natural facial movements, consistency, texture realism, and any signs of digital "
                    "manipulation or artificial generation.",
}
SPLIT_FILES = {"train": "train", "test": "eval"}


def answer(dim: str, level: str, mos: float | None = None) -> str:
    base = f"The {dim} of the human face in this video is {level}."
    return base if mos is None else f"{base} ({format(float(mos), '.15g')})"


def write_official_labels(root: str | Path, records: list[dict], video_dir: str = "video_RGB",
                          seed: int = 0) -> list[Path]:
    """Write the 8 label files under `root/labels/` from manifest records (need mos, levels, official_split).

    `videos` paths are `<video_dir>/<id>.mp4` (relative to the dataset root; the release has the
    authors' absolute paths, which importers reduce to the file name).
    """
    root = Path(root)
    order = np.random.default_rng([seed, 777]).permutation(len(records))
    written = []
    for split, prefix in SPLIT_FILES.items():
        chosen = [records[i] for i in order if records[i].get("official_split") == split]
        for dim, prompt in PROMPTS.items():
            for kind in ("numerical", "text"):
                items = []
                for r in chosen:
                    mos = r["mos"][dim] if kind == "numerical" else None
                    items.append({"messages": [{"role": "user", "content": prompt},
                                               {"role": "assistant", "content": answer(dim, r["levels"][dim], mos)}],
                                  "videos": f"{video_dir}/{r['id']}.mp4"})
                path = root / "labels" / kind / f"{prefix}_{dim}.json"
                atomic_write_text(path, json.dumps(items))
                written.append(path)
    return written


def split_like_official(ids: list[str], groups: list[str], seed: int, test_fraction: float = 0.2) -> dict[str, str]:
    """4:1 train/test split (the release's 1,600/400), stratified by generator. id -> "train" | "test".

    Each generator's videos are shuffled; then the first of every generator, the second of every
    generator, ... are taken in turn until round(test_fraction * n) test videos are chosen, so
    every generator gets its share even in a tiny set.
    """
    by_group: dict[str, list[str]] = {}
    for i, g in zip(ids, groups):
        by_group.setdefault(g, []).append(i)
    rng = np.random.default_rng([seed, 4242])
    names = sorted(by_group)
    queues = {g: [sorted(by_group[g])[k] for k in rng.permutation(len(by_group[g]))] for g in names}
    turn = [names[k] for k in rng.permutation(len(names))]
    order = [queues[g][r] for r in range(max(map(len, queues.values()))) for g in turn if r < len(queues[g])]
    n_test = int(round(test_fraction * len(ids)))
    test = set(order[:n_test])
    return {i: ("test" if i in test else "train") for i in ids}
