"""Shared fixtures: a tiny dataset in the harness format, built from scratch (no download)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bench.data.categories import CATEGORIES
from bench.data.dataset import write_manifest
from bench.data.saliency_maps import saliency_from_points, write_saliency_map

# Frame store, validation stamps and the default stand-in go to a scratch home, not the user's cache.
os.environ.setdefault("GEN3DHF_BENCH_HOME", tempfile.mkdtemp(prefix="gen3dhf-bench-test-home-"))

SHARED = Path(__file__).resolve().parents[2] / "shared"
OFFICIAL_LABELS = SHARED / "gen3dhf-official" / "labels"


def write_video(path: Path, frames: np.ndarray, fps: int = 12) -> None:
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast"}
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def build_tiny_dataset(root: Path, n: int = 10, size: int = 48, n_frames: int = 8, seed: int = 0) -> Path:
    """`n` videos of a bright disc whose blur and noise grow with a planted severity; MOS fall with it.

    Enough structure that a sensible model correlates with MOS, small enough to build in ~1 s.
    """
    import cv2

    rng = np.random.default_rng(seed)
    records = []
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        sev = i / max(n - 1, 1)
        frames = []
        for t in range(n_frames):
            cx = size / 2 + 0.2 * size * np.sin(np.pi * (t / max(n_frames - 1, 1) - 0.5))
            disc = ((xx - cx) ** 2 + (yy - size / 2) ** 2 < (size / 4) ** 2).astype(float)
            img = np.stack([disc * 200 + 30, disc * 150 + 40, disc * 120 + 50], -1)
            img = cv2.GaussianBlur(img, (0, 0), 0.3 + 3 * sev)
            img = img + rng.normal(0, 25 * sev, img.shape)
            frames.append(np.clip(img, 0, 255).astype(np.uint8))
        vid = f"seed{i:04d}"
        write_video(root / "video_RGB" / f"{vid}.mp4", np.stack(frames))
        three = np.concatenate([frames[n_frames // 4], frames[n_frames // 2], frames[3 * n_frames // 4]], axis=1)
        three = cv2.resize(three, (3 * 64, 64), interpolation=cv2.INTER_AREA)
        (root / "image").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / "image" / f"{vid}.png"), cv2.cvtColor(three, cv2.COLOR_RGB2BGR))
        pts = np.array([[20 + 10 * sev, 30], [100, 20 + 20 * sev]])
        smap = saliency_from_points(pts, (64, 192), sigma=3, out_size=(64, 192))
        (root / "saliency_map").mkdir(parents=True, exist_ok=True)
        write_saliency_map(root / "saliency_map" / f"{vid}.png", smap)
        q = 60 - 40 * sev + rng.normal(0, 2)
        records.append({
            "id": vid, "video": f"video_RGB/{vid}.mp4", "image": f"image/{vid}.png",
            "saliency_map": f"saliency_map/{vid}.png",
            "mos": {"quality": float(np.clip(q, 1, 99)), "authenticity": float(np.clip(q + rng.normal(0, 3), 1, 99))},
            "distortions": [CATEGORIES[6]] if sev > 0.3 else [CATEGORIES[-1]],
            "description": "blurry and grainy" if sev > 0.3 else "no distortion",
            "generator": f"G{i % 2}", "group": vid,
            "official_split": "test" if i % 5 == 0 else "train",
        })
    write_manifest(root, "tiny-test-set", records, synthetic=True, description="built by tests/conftest.py")
    return root


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    return build_tiny_dataset(tmp_path_factory.mktemp("tiny"))


def write_official_like_labels(folder: Path, mos: dict[str, tuple[float, float]], test_ids: set) -> Path:
    """Label files in the authors' ms-swift format, for importer tests that must not need ../shared."""
    from bench.data.levels import mos_to_level

    for kind in ("numerical", "text"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    ids = sorted(mos)
    for d, dim in enumerate(("quality", "authenticity")):
        vals = [mos[i][d] for i in ids]
        levels = dict(zip(ids, mos_to_level(vals, min(vals), max(vals))))
        for prefix, pick in (("train", lambda i: i not in test_ids), ("eval", lambda i: i in test_ids)):
            num, txt = [], []
            for i in filter(pick, ids):
                q = {"role": "user", "content": f"<video>Please rate the {dim} of the human face in this video."}
                base = f"The {dim} of the human face in this video is {levels[i]}."
                num.append({"messages": [q, {"role": "assistant", "content": f"{base} ({mos[i][d]})"}],
                            "videos": f"/somewhere/video_RGB/{i}.mp4"})
                txt.append({"messages": [q, {"role": "assistant", "content": base}],
                            "videos": f"/somewhere/video_RGB/{i}.mp4"})
            (folder / "numerical" / f"{prefix}_{dim}.json").write_text(json.dumps(num))
            (folder / "text" / f"{prefix}_{dim}.json").write_text(json.dumps(txt))
    return folder
