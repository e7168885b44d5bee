"""CA (Goferman et al.): the K-nearest-patch distance (contract: test_family_contract)."""
import numpy as np

from baselines.classic_saliency import ca


def test_knn_distance_matches_brute_force():
    rng = np.random.default_rng(5)
    q, qpos = rng.random((30, 12)).astype(np.float32), rng.random((30, 2)).astype(np.float32)
    extra, epos = rng.random((20, 12)).astype(np.float32), rng.random((20, 2)).astype(np.float32)
    cands, cpos = np.concatenate([q, extra]), np.concatenate([qpos, epos])
    got = ca._knn_mean_distance(q, qpos, cands, cpos, np.arange(30), k=5, c=3.0, chunk=7)
    dc = np.linalg.norm(q[:, None] - cands[None], axis=-1)
    dp = np.linalg.norm(qpos[:, None] - cpos[None], axis=-1)
    d = dc / dc.max() / (1 + 3 * dp)
    d[np.arange(30), np.arange(30)] = np.inf
    np.testing.assert_allclose(got, np.sort(d, axis=1)[:, :5].mean(1), rtol=1e-4)
