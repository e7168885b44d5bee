import tests.core.fake_models  # noqa: F401 - registers the t_* models
from bench.cli import main
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.runner import RunConfig, run_benchmark


def test_plots_from_a_run(tiny_dataset, tmp_path, capsys):
    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2, seed=0), ["t_clean", "t_noise_level", "t_centre_saliency"],
                  RunConfig(out_dir=tmp_path / "run", progress=False))
    assert main(["plots", "--results", str(tmp_path / "run"), "--out", str(tmp_path / "plots")]) == 0
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["saliency.pdf", "saliency.png", "scatter.pdf", "scatter.png", "srcc.pdf", "srcc.png"]
    assert all((tmp_path / "plots" / n).stat().st_size > 5000 for n in names)
