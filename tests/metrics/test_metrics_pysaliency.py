"""Optional cross-check against pysaliency where its conventions match ours (skipped without it).

pysaliency 0.2.22 imports torch in its package __init__; its metric modules need only numpy and
numba, so they are loaded on their own.
"""
import importlib.util
import pathlib
import sys
import types
import warnings

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from bench.metrics import auc_judd, cc, kld, nss, sim


@pytest.fixture(scope="module")
def pysal():
    spec = importlib.util.find_spec("pysaliency")
    if spec is None:
        pytest.skip("pysaliency is not installed (optional cross-check)")
    saved = sys.modules.get("pysaliency")
    package = types.ModuleType("pysaliency")
    package.__path__ = [str(pathlib.Path(spec.submodule_search_locations[0]))]
    sys.modules["pysaliency"] = package
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pysaliency.metrics as metrics
            import pysaliency.roc as roc
    except Exception as exc:  # e.g. numba or setuptools missing: not our code to test
        pytest.skip(f"pysaliency's metric modules do not import here: {exc}")
    finally:  # leave no stub package behind for other tests
        if saved is None:
            sys.modules.pop("pysaliency", None)
        else:
            sys.modules["pysaliency"] = saved
    return metrics, roc


def test_values_match_pysaliency(pysal):
    metrics, roc = pysal
    rng = np.random.default_rng(0)
    for _ in range(3):
        pred = gaussian_filter(rng.random((60, 90)), 3)
        gt = gaussian_filter((rng.random((60, 90)) > 0.99).astype(float), 2)
        fix = rng.random((60, 90)) > 0.98
        ys, xs = np.nonzero(fix)
        assert nss(pred, fix, ddof=0) == pytest.approx(np.mean(metrics.NSS(pred, xs, ys)), abs=1e-10)
        assert cc(pred, gt) == pytest.approx(metrics.CC(pred, gt), abs=1e-10)
        assert sim(pred, gt, minmax=False) == pytest.approx(metrics.SIM(pred, gt), abs=1e-10)
        with np.errstate(divide="ignore"):
            theirs = metrics.MIT_KLDiv(pred, gt)
        assert kld(pred, gt, eps=2.2204e-16) == pytest.approx(theirs, abs=1e-10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # its np.trapz
            judd = roc.general_roc(pred[fix], pred[~fix], judd=1)[0]  # = its AUC_Judd(jitter=False)
        assert auc_judd(pred, fix, ties="count") == pytest.approx(judd, abs=1e-12)
