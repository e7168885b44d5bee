"""Render one planned video: the orbit to H.264 mp4, the clean 3-view image, the truth masks, visibility.

Runs in a worker process (one video per task). Frames stream to the encoder, so paper-size
videos (240 frames of 512x512) never sit in memory at once. The head is built once per
video and only the camera moves: the orbit is uniform, so frame t is the same scene at
yaw -90 + 180 t / (F - 1). When F - 1 is a multiple of 4 (the default 49 frames) the
-45, 0 and +45 degree views are frames of the video and are not rendered twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.synth.distortions import view_weight
from bench.synth.generators import VideoPlan, profile_by_name
from bench.synth.head import build_head
from bench.synth.render import THREE_VIEW_YAWS, Camera, orbit_yaws, render_frame

# A distortion covering this fraction of the frame counts as fully visible in that frame.
FULL_VIEW_AREA = 0.004


@dataclass(frozen=True)
class RenderSettings:
    size: int = 256
    frames: int = 49
    fps: float = 12.0
    crf: int = 20


def write_png(path: Path, rgb: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1] if rgb.ndim == 3 else rgb)):
        raise OSError(f"{path}: cannot write image")


class Mp4Writer:
    """H.264 (libx264, yuv420p) through PyAV; single-threaded so output bytes do not depend on scheduling."""

    def __init__(self, path: Path, size: int, fps: float, crf: int = 20):
        import av
        from fractions import Fraction

        path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(path), "w")
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self.stream.width = self.stream.height = size
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": str(crf), "preset": "veryfast", "threads": "1"}
        self._av = av

    def write(self, rgb: np.ndarray) -> None:
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def render_video(plan: VideoPlan, settings: RenderSettings, root: Path) -> dict:
    """Write video_RGB/<id>.mp4, image_clean/<id>.png and truth/masks/<id>.png under `root`.

    Returns what the simulated study needs: per distortion and frame, the fraction of the
    frame it covers and the strength it shows with; per distortion, its pixels in each of
    the three views.
    """
    import cv2

    cv2.setNumThreads(1)
    cam = Camera(settings.size)
    style = profile_by_name(plan.generator).style
    scene = build_head(plan.identity, plan.distortions, cam.spacing)
    yaws = orbit_yaws(settings.frames)
    K = len(plan.distortions)
    area = np.zeros((K, settings.frames))
    strength = np.zeros((K, settings.frames))
    views: dict[float, tuple] = {}
    writer = Mp4Writer(root / "video_RGB" / f"{plan.id}.mp4", settings.size, settings.fps, settings.crf)
    try:
        for t, yaw in enumerate(yaws):
            rgb, tag, _ = render_frame(scene, cam, float(yaw), style)
            writer.write(rgb)
            counts = np.bincount(tag[tag >= 0].ravel(), minlength=K)[:K] if K else np.zeros(0)
            area[:, t] = counts / tag.size
            for k, d in enumerate(plan.distortions):
                strength[k, t] = d.severity * float(view_weight(d.profile, yaw, d.params.get("phase", 0.0)))
            for v in THREE_VIEW_YAWS:
                if abs(yaw - v) < 1e-9:
                    views[v] = (rgb, tag)
    finally:
        writer.close()
    for v in THREE_VIEW_YAWS:
        if v not in views:
            rgb, tag, _ = render_frame(scene, cam, v, style)
            views[v] = (rgb, tag)
    three = np.concatenate([views[v][0] for v in THREE_VIEW_YAWS], axis=1)
    tags = np.concatenate([views[v][1] for v in THREE_VIEW_YAWS], axis=1)
    write_png(root / "image_clean" / f"{plan.id}.png", three)
    # truth mask: 0 = no planted distortion, k + 1 = distortion k of the plan
    write_png(root / "truth" / "masks" / f"{plan.id}.png", (tags + 1).astype(np.uint8))
    S = settings.size
    view_pixels = np.zeros((K, 3), dtype=int)
    for k in range(K):
        for j in range(3):
            view_pixels[k, j] = int(np.count_nonzero(tags[:, j * S:(j + 1) * S] == k))
    return {"id": plan.id, "area": area.round(6).tolist(), "strength": strength.round(6).tolist(),
            "view_pixels": view_pixels.tolist()}


def visibility(area: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """How visible each distortion is over the video, in [0, 1] (times its severity).

    Per frame: strength (severity x view profile) x sqrt(covered fraction / FULL_VIEW_AREA),
    capped at the strength; over the video: half the worst frame, half the average (a viewer
    remembers the worst moment but also how long it lasted).
    """
    area = np.asarray(area, float).reshape(len(strength), -1)
    strength = np.asarray(strength, float).reshape(area.shape)
    if area.size == 0:
        return np.zeros(len(area))
    per_frame = strength * np.minimum(1.0, np.sqrt(area / FULL_VIEW_AREA))
    return 0.5 * per_frame.max(axis=1) + 0.5 * per_frame.mean(axis=1)
