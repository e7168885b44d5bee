"""Per-sample work that does not depend on the training fold is done once per run, not once per fold."""
from baselines.handcrafted_iqa.base import HandcraftedIQA
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.runner import RunConfig, run_benchmark


def test_svr_features_computed_once_per_video_across_folds(tiny_dataset, tmp_path, monkeypatch):
    calls = []
    original = HandcraftedIQA._compute_video_features

    def counting(self, sample):
        calls.append(sample.id)
        return original(self, sample)

    monkeypatch.setattr(HandcraftedIQA, "_compute_video_features", counting)
    ds = load_dataset(tiny_dataset)
    split = make_split(ds, "kfold", 5, seed=0)
    out = run_benchmark(ds, split, ["bpri_lsss"], RunConfig(out_dir=tmp_path, progress=False,
                                                          model_config={"mode": "svr", "n_jobs": 1}))
    assert {o.status for o in out} == {"ok"} and out[0].model == "bpri_lsss@mode=svr,n_jobs=1"
    assert sorted(calls) == sorted(s.id for s in ds)  # 5 folds x (8 train + 2 test) uses, 10 computations
