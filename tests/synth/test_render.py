"""Heads, distortions and the camera path: 3D, varied, localised, graded, view-dependent."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.data.categories import categories_from_description
from bench.synth.annotators import PHRASES
from bench.synth.distortions import VARIANTS, Distortion, sample_distortion, view_weight
from bench.synth.generators import GENERATORS, make_plan
from bench.synth.head import build_head
from bench.synth.identity import appearance_vector, sample_identity
from bench.synth.render import Camera, orbit_yaws, render_frame

CAM = Camera(64)


def _identity_for(variant: str, seed: int = 0):
    from bench.synth.generators import _available
    for attempt in range(200):
        idt = sample_identity(np.random.default_rng([seed, attempt]))
        if variant in VARIANTS and not _available(variant, idt):
            continue
        needs = {"glasses_break": idt.glasses != "none", "earring_float": idt.earrings != "none",
                 "hat_warp": idt.hat != "none", "hair_bleed": idt.hair_style not in ("bald", "buzz")}
        if needs.get(variant, idt.hair_style != "bald" and idt.hat == "none"):
            return idt
    raise AssertionError(variant)


def test_orbit_is_uniform_180_degrees_with_frontal_middle():
    y = orbit_yaws(49)
    assert y[0] == -90 and y[-1] == 90 and y[24] == 0 and y[12] == -45 and y[36] == 45
    assert np.allclose(np.diff(y), 180 / 48)


def test_default_identities_are_distinct():
    plans = make_plan(120, 0)
    vecs = np.array([appearance_vector(p.identity) for p in plans])
    d = np.linalg.norm(vecs[:, None] - vecs[None], axis=-1)[np.triu_indices(len(vecs), 1)]
    assert d.min() >= 1.0
    styles = {p.identity.hair_style for p in plans}
    assert len(styles) >= 8 and len({round(p.identity.skin_tone, 1) for p in plans}) >= 8


def test_ten_generators_in_blocks():
    plans = make_plan(40, 0)
    assert len(GENERATORS) == 10
    assert [p.generator for p in plans[::4]] == [g.name for g in GENERATORS]


def test_heads_are_3d_with_depth_and_shading():
    idt = _identity_for("none")
    scene = build_head(idt, [], CAM.spacing)
    rgb0, _, z0 = render_frame(scene, CAM, 0.0)
    rgb90, _, z90 = render_frame(scene, CAM, 90.0)
    fg = np.isfinite(z0)
    assert 0.15 < fg.mean() < 0.7
    assert np.ptp(z0[fg]) > 0.5  # real depth relief, not a flat sprite
    assert rgb0[fg].std() > 10  # shading varies over the surface
    assert np.abs(rgb0.astype(int) - rgb90).mean() > 10  # the profile is not the front


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_is_localised_and_shows(variant):
    idt = _identity_for(variant)
    d = sample_distortion(0, variant, 0.9, idt, np.random.default_rng(1))
    clean = build_head(idt, [], CAM.spacing)
    bad = build_head(idt, [d], CAM.spacing)
    import cv2
    shown, inside, total = 0, 0.0, 0.0
    for yaw in (-90.0, -45.0, 0.0, 45.0, 90.0):
        a, _, _ = render_frame(clean, CAM, yaw)
        b, tag, _ = render_frame(bad, CAM, yaw)
        mask = (tag == 0).astype(np.uint8)
        shown += mask.sum()
        diff = np.abs(a.astype(float) - b).sum(-1)
        near = cv2.dilate(mask, np.ones((9, 9), np.uint8)) > 0
        inside += diff[near].sum()
        total += diff.sum()
    assert shown > 0, f"{variant} never tagged a pixel"
    assert total > 0, f"{variant} changed nothing"
    assert inside / total > 0.7, f"{variant}: only {inside / total:.2f} of the change is near its tagged region"


def test_distortions_depend_on_the_view():
    idt = _identity_for("skull_flat")
    back_right = Distortion(0, "skull_flat", 0.9, theta=0.2, phi=2.2, width=0.45, side=1)
    scene = build_head(idt, [back_right], CAM.spacing)
    area = {y: (render_frame(scene, CAM, y)[1] == 0).sum() for y in (-90.0, 0.0, 90.0)}
    assert area[90.0] > 5 * max(area[-90.0], 1)  # a defect at the back right shows as the camera reaches the right
    eye = sample_distortion(0, "eye_shift", 0.9, idt, np.random.default_rng(0))
    scene = build_head(idt, [eye], CAM.spacing)
    eye_area = {y: (render_frame(scene, CAM, y)[1] == 0).sum() for y in (-90.0, 0.0, 90.0)}
    assert eye_area[0.0] > min(eye_area[-90.0], eye_area[90.0])
    assert view_weight("oblique", 90) > view_weight("oblique", 0)
    assert view_weight("frontal", 0) > view_weight("frontal", 60)


def test_severity_is_graded():
    idt = _identity_for("cheek_lump")
    clean = render_frame(build_head(idt, [], CAM.spacing), CAM, 0.0)[0].astype(float)
    changes = []
    for sev in (0.2, 0.5, 0.9):
        d = sample_distortion(0, "blur", sev, idt, np.random.default_rng(2))
        img = render_frame(build_head(idt, [d], CAM.spacing), CAM, 45.0)[0].astype(float)
        ref = render_frame(build_head(idt, [], CAM.spacing), CAM, 45.0)[0].astype(float)
        changes.append(np.abs(img - ref).sum())
    assert changes[0] < changes[1] < changes[2]
    assert clean.shape == (64, 64, 3)


def test_clean_renders_have_no_red_dot_colour():
    from bench.data.saliency_maps import red_dot_centres
    for plan in make_plan(20, 1):
        scene = build_head(plan.identity, plan.distortions, CAM.spacing)
        img = np.concatenate([render_frame(scene, CAM, y)[0] for y in (-45.0, 0.0, 45.0)], 1)
        assert len(red_dot_centres(img)) == 0, plan.identity.summary()


def test_every_description_maps_to_its_category():
    for key, phrases in PHRASES.items():
        variant = {"exposure_up": "exposure", "exposure_down": "exposure", "hair_tuft": "hair_hole"}.get(key, key)
        want = (VARIANTS[variant][0],)
        for phrase, side, where in itertools.product(phrases, ("left", "right"),
                                                     ("top", "back", "left side", "front right")):
            text = phrase.format(side=side, where=where)
            assert categories_from_description(text) == want, text
