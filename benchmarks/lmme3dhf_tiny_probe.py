"""How much quality information the tiny random-init LMME3DHF base hands to its score head (not a test).

For every stand-in video, one forward of the untrained tiny Qwen2.5-VL on the quality prompt; a ridge regression
(alpha by internal CV, 5-fold outer CV) from three feature sets to quality MOS, reported as SRCC:
- `tower`: the mean of the visual tokens the language model receives (the frozen vision tower's output);
- `visual`: the mean of the language model's last hidden states at the visual tokens;
- `last`: the language model's last hidden state at the last prompt token (what the score head reads).
Near zero means no head trained on these features can predict quality, whatever the training.

    .venv/bin/python benchmarks/lmme3dhf_tiny_probe.py --size 56 --size 112
"""
from __future__ import annotations

import argparse

import numpy as np


def features(dataset, size: int, frames: int, seed: int) -> dict:
    import torch

    from bench.learn.tiny_hf import tiny_qwen2_5_vl
    from lmme3dhf.conversations import Conversation, collate

    model, processor = tiny_qwen2_5_vl(seed=seed)
    conversation = Conversation(processor, frames, size, "ask")
    video_token = model.config.video_token_id
    out = {"tower": [], "visual": [], "last": []}
    with torch.no_grad():
        for sample in dataset.samples:
            b = collate([conversation((sample, "quality"))])
            res = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"],
                        pixel_values_videos=b["pixel_values_videos"], video_grid_thw=b["video_grid_thw"],
                        second_per_grid_ts=b.get("second_per_grid_ts"), mm_token_type_ids=b.get("mm_token_type_ids"),
                        output_hidden_states=True)
            visual = b["input_ids"][0] == video_token
            out["tower"].append(res.hidden_states[0][0][visual].mean(0).numpy())
            out["visual"].append(res.hidden_states[-1][0][visual].mean(0).numpy())
            out["last"].append(res.hidden_states[-1][0][-1].numpy())
    return {k: np.array(v) for k, v in out.items()}


def probe_srcc(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    from scipy.stats import spearmanr
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 4, 13)))
    pred = cross_val_predict(model, x, y, cv=KFold(5, shuffle=True, random_state=seed))
    return float(spearmanr(pred, y)[0])


def main() -> None:
    import torch

    from bench.data.dataset import load_dataset
    from bench.synth.default import ensure_default_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=None, help="dataset folder (default: the embedded stand-in)")
    ap.add_argument("--size", type=int, action="append", help="input size in px (repeatable; default 56)")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    dataset = load_dataset(args.dataset or ensure_default_dataset())
    y = np.array([s.mos["quality"] for s in dataset.samples])
    print("| input | tower | visual | last |\n|---:|---:|---:|---:|")
    for size in args.size or [56]:
        feats = features(dataset, size, args.frames, args.seed)
        print(f"| {size} px | " + " | ".join(f"{probe_srcc(feats[k], y, args.seed):+.3f}"
                                         for k in ("tower", "visual", "last")) + " |", flush=True)


if __name__ == "__main__":
    main()
