"""`bench study process`: run the paper's subjective-data processing on raw study files.

    bench study process --ratings ratings.csv [--annotations annotations.json] --root DATASET_DIR \
        [--clean-images image_clean | --annotated-images image] [--name NAME]

Writes DATASET_DIR/manifest.json (MOS, Eq. 4 levels, descriptions, categories, saliency maps)
and DATASET_DIR/study_report.json (who was rejected by the BT.500 screening and why).
Input formats: see `bench/study/ratings.py` (CSV) and `bench/study/annotations.py` (JSON).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ratings", required=True, help="raw ratings CSV: subject,video,dimension,rating")
    parser.add_argument("--annotations", help="annotations JSON: per video and annotator, red dots and a description")
    parser.add_argument("--root", required=True, help="dataset folder to write (manifest, image/, saliency_map/)")
    parser.add_argument("--clean-images", default="image_clean",
                        help="folder (relative to --root) of 3-view images without dots, to draw the dots on")
    parser.add_argument("--annotated-images", default=None,
                        help="folder (relative to --root) of 3-view images that already carry red dots")
    parser.add_argument("--videos", default="video_RGB", help="folder (relative to --root) of <id>.mp4, if any")
    parser.add_argument("--name", default=None, help="dataset name (default: the folder's name)")
    parser.add_argument("--per-dimension", action="store_true", help="screen subjects per dimension")


def run_study(args) -> int:
    from bench.data.dataset import write_manifest
    from bench.io import atomic_write_json
    from bench.study.process import process_study

    root = Path(args.root).expanduser().resolve()
    outcome = process_study(args.ratings, args.annotations, root=root,
                            clean_images=None if args.annotated_images else args.clean_images,
                            annotated_images=args.annotated_images, per_dimension_screening=args.per_dimension)
    records = []
    for r in outcome.records():
        video = root / args.videos / f"{r['id']}.mp4"
        r["video"] = f"{args.videos}/{r['id']}.mp4" if video.is_file() else None
        clean = root / args.clean_images / f"{r['id']}.png"
        r["image"] = f"{args.clean_images}/{r['id']}.png" if clean.is_file() else r.get("annotated_image")
        records.append(r)
    write_manifest(root, args.name or root.name, records)
    report = outcome.report()
    atomic_write_json(root / "study_report.json", report)
    print(f"{root / 'manifest.json'}: {len(records)} videos; subjects kept {report['kept']}/{report['subjects']}"
          f" (rejected: {', '.join(outcome.screening.rejected) or 'none'})")
    for dim in ("quality", "authenticity"):
        v = np.array([r["mos"][dim] for r in records if dim in r["mos"]])
        if len(v):
            print(f"  {dim} MOS: {v.min():.1f}-{v.max():.1f}, mean {v.mean():.1f}, SD {v.std():.1f}")
    return 0
