"""Seconds per video and peak memory of a full-size LMM row on stand-in videos (random weights: no download).

Builds Qwen2-VL-7B's published architecture (8.3B parameters; its config.json values below) with random
weights in the chosen dtype on the chosen device, with the tiny offline tokenizer and the Qwen2-VL video
processor (the same 14-pixel patches, 2x2 merge and 2-frame temporal patches as the real one), and asks it
what `bench run --model qwen2_vl` asks per video through the family's own code (`NativeLMM`): level-token
scores for both dimensions, optionally the generated ratings and the distortion question. Frames come from
the stand-in dataset as the row takes them (8 at 448x448 by default). Needs a GPU with ~20 GB for bf16;
`--scale tiny` runs the tiny model instead (a CPU check of this script).

    python benchmarks/lmm_full_size.py --device cuda --videos 20 [--generate] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Qwen/Qwen2-VL-7B-Instruct's config.json (architecture only; token ids come from the tokenizer used here)
QWEN2_VL_7B_TEXT = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                        num_key_value_heads=4, vocab_size=152064, max_position_embeddings=32768, rms_norm_eps=1e-6,
                        hidden_act="silu", tie_word_embeddings=False,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]})
QWEN2_VL_7B_VISION = dict(depth=32, embed_dim=1280, hidden_size=3584, num_heads=16, mlp_ratio=4, patch_size=14,
                          spatial_merge_size=2, temporal_patch_size=2, in_channels=3, hidden_act="quick_gelu")


def build(scale: str, device: str, dtype):
    """(model, processor): the 7B architecture with random weights, or the tiny model."""
    import torch
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    from bench.learn.tiny_hf import build_tiny

    tiny, processor = build_tiny("qwen2_vl", seed=0)
    if scale == "tiny":
        return tiny.to(device=device, dtype=dtype), processor
    ids = tiny.config
    config = Qwen2VLConfig(text_config={**QWEN2_VL_7B_TEXT, "eos_token_id": processor.tokenizer.eos_token_id,
                                        "pad_token_id": processor.tokenizer.pad_token_id},
                           vision_config=QWEN2_VL_7B_VISION, image_token_id=ids.image_token_id,
                           video_token_id=ids.video_token_id, vision_start_token_id=ids.vision_start_token_id,
                           vision_end_token_id=ids.vision_end_token_id)
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2VLForConditionalGeneration._from_config(config, dtype=dtype)
    return model.eval(), processor


def peak_memory_gib(device: str) -> float:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 1024**3
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: KiB


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="bfloat16", choices=("bfloat16", "float16", "float32"))
    p.add_argument("--scale", default="full", choices=("full", "tiny"))
    p.add_argument("--videos", type=int, default=20)
    p.add_argument("--frames", type=int, default=8, help="the qwen2_vl row's default: 8")
    p.add_argument("--frame-size", type=int, default=448, help="the qwen2_vl row's default: 448")
    p.add_argument("--generate", action="store_true", help="also the generated ratings and the distortion question")
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--dataset", type=Path, default=None, help="default: the synthetic stand-in")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)

    import torch

    import baselines.lmm  # noqa: F401  (registers the architectures)
    from baselines.lmm.native import NativeLMM
    from bench.data.dataset import load_dataset
    from bench.data.video import FrameSpec
    from bench.synth.default import ensure_default_dataset

    if args.device == "cpu":
        torch.set_num_threads(1)
    samples = load_dataset(args.dataset or ensure_default_dataset()).samples[:args.videos]
    spec = FrameSpec(count=args.frames, size=(args.frame_size, args.frame_size))
    clips = [np.ascontiguousarray(s.frames(spec=spec)) for s in samples]
    dtype = getattr(torch, args.dtype)
    t0 = time.perf_counter()
    model, processor = build(args.scale, args.device, dtype)
    built = time.perf_counter() - t0
    params = sum(x.numel() for x in model.parameters())
    lmm = NativeLMM(model, processor, max_new_tokens=args.max_new_tokens, distortion_max_new_tokens=args.max_new_tokens)
    lmm.score(clips[0], "quality")  # warm-up (kernels, caches)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = {"score": [], "generate": [], "distortion": []}
    for clip in clips:
        t = time.perf_counter()
        for dim in ("quality", "authenticity"):
            lmm.score(clip, dim)
        times["score"].append(time.perf_counter() - t)
        if args.generate:
            t = time.perf_counter()
            for dim in ("quality", "authenticity"):
                lmm.generate_level(clip, dim)
            times["generate"].append(time.perf_counter() - t)
            t = time.perf_counter()
            lmm.ask_distortions(clip)
            times["distortion"].append(time.perf_counter() - t)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    result = {"scale": args.scale, "device": args.device, "gpu": torch.cuda.get_device_name() if
              args.device.startswith("cuda") else None, "dtype": args.dtype, "parameters": params,
              "videos": len(clips), "frames": args.frames, "frame_size": args.frame_size, "build_s": round(built, 2),
              "peak_memory_gib": round(peak_memory_gib(args.device), 2),
              **{f"{k}_s_per_video": round(float(np.mean(v)), 4) for k, v in times.items() if v}}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
