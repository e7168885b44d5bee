import pytest

from bench.data.dataset import load_dataset
from bench.data.splits import kfold_split, make_split, split_hash
from bench.errors import ConfigError


def test_kfold_partition_and_ratio():
    ids = [f"v{i}" for i in range(103)]
    folds = kfold_split(ids, 5, seed=3)
    tests = [set(f["test"]) for f in folds]
    assert set().union(*tests) == set(ids) and sum(map(len, tests)) == 103
    for f in folds:
        assert not set(f["train"]) & set(f["test"])
        assert len(f["test"]) in (20, 21)  # the paper's 4:1
    assert kfold_split(ids, 5, seed=3) == folds
    assert kfold_split(ids, 5, seed=4) != folds


def test_grouped_kfold_keeps_groups_together():
    ids = [f"v{i}" for i in range(60)]
    groups = [f"g{i // 6}" for i in range(60)]
    for f in kfold_split(ids, 5, seed=0, groups=groups):
        test_groups = {groups[ids.index(i)] for i in f["test"]}
        train_groups = {groups[ids.index(i)] for i in f["train"]}
        assert not test_groups & train_groups
    with pytest.raises(ConfigError):
        kfold_split(ids[:3], 5)


def test_official_and_hash(tiny_dataset):
    ds = load_dataset(tiny_dataset)
    off = make_split(ds, "official")
    assert off["folds"][0]["test"] == ["seed0000", "seed0005"]
    a, b = make_split(ds, "kfold", 5, 0), make_split(ds, "kfold", 5, 0)
    assert split_hash(a) == split_hash(b) != split_hash(make_split(ds, "kfold", 5, 1))
    g = make_split(ds, "kfold", 2, 0, grouped_by="generator")
    assert g["name"] == "kfold-2-seed0-by-generator"
