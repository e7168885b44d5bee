"""Subjective-study processing (paper section 3.3), public and runnable on a real study's raw files.

- `ratings.py`: raw slider ratings CSV (subject,video,dimension,rating) -> ITU-R BT.500 subject
  screening -> per-subject z-scores rescaled to [0, 100] -> MOS (Eq. 1-3).
- `annotations.py`: annotators' red dots and descriptions (JSON) -> combined annotation,
  annotated 3-view image, saliency map (the authors' red-dot pipeline), categories.
- `process.py`: `process_study(...)`, both together; levels then come from Eq. 4 in
  `bench.data.dataset.write_manifest`.
- `export_official.py`: writes label files in the release's ms-swift format and a 4:1 official-like split.
- `cli.py`: `bench study process` (`add_study_arguments`, `run_study`).

The embedded stand-in (`bench.synth`) produces its labels by running this processing on
simulated raw data.
"""
from bench.study.process import StudyOutcome, process_study  # noqa: F401
from bench.study.ratings import (RatingTable, Screening, bt500_screening, mos_from_ratings,  # noqa: F401
                                 read_ratings_csv, zscores)
