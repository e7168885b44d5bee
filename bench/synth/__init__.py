"""The embedded synthetic stand-in for Gen3DHF, made entirely by this project's code.

- `identity.py`: who is in each video (shape, skin, eyes, hair, accessories), all distinct.
- `surface.py`, `head.py`: 3D heads as dense parametric surfaces with the planted distortions.
- `distortions.py`: the paper's 8 categories as localised, graded, view-dependent 3D artifacts.
- `generators.py`: 10 simulated generator networks, each with its artifact profile and style.
- `render.py`, `videos.py`: z-buffered point-splat rendering on the paper's 180-degree orbit,
  H.264 videos, 3-view images, per-pixel truth masks, per-frame distortion visibility.
- `subjects.py`, `annotators.py`: the simulated subjective study's raw data.
- `build.py`: everything together, with `bench.study` turning raw data into labels.
- `cli.py`: `bench data synth`; `default.py`: the cached default dataset `bench run` uses.

Every output names itself a synthetic stand-in: its numbers are not the paper's.
"""
