"""A model package from outside the repo, pip-installed, shows up and runs without editing the harness."""
import json
import os
import subprocess
import sys
import textwrap

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "bench-plugin-example"
version = "0.1"

[project.entry-points."bench.models"]
example = "bench_plugin_example"
"""

MODULE = '''
from bench.models import Model, Prediction, register_model


@register_model("plugin_brightness")
class Brightness(Model):
    """Mean brightness of 2 frames."""
    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})

    def predict(self, samples):
        return [Prediction(scores={"quality": float(s.frames(count=2).mean()),
                                   "authenticity": float(s.frames(count=2).mean())}) for s in samples]
'''


def test_entry_point_plugin_installed_from_outside(tmp_path, tiny_dataset):
    src = tmp_path / "src"
    (src / "bench_plugin_example").mkdir(parents=True)
    (src / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (src / "bench_plugin_example" / "__init__.py").write_text(MODULE)
    target = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                          "--target", str(target), str(src)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    bench = [sys.executable, "-c", "import sys; from bench.cli import main; sys.exit(main(sys.argv[1:]))"]
    r = subprocess.run(bench + ["list", "--json"], capture_output=True, text=True, env=env, timeout=120)
    models = {m["name"]: m for m in json.loads(r.stdout)["models"]}
    assert "plugin_brightness" in models
    assert models["plugin_brightness"]["source"].startswith("entry point example")
    r = subprocess.run(bench + ["run", "--model", "plugin_brightness", "--dataset", str(tiny_dataset), "--split",
                                "kfold", "--folds", "2", "--out", str(tmp_path / "out"), "--no-progress"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    rec = json.loads((tmp_path / "out" / "plugin_brightness" / "fold-0.json").read_text())
    assert rec["status"] == "ok" and "srcc" in rec["metrics"]["quality"]


def test_plugins_by_import_path_and_by_file(tmp_path, monkeypatch):
    from bench.models.registry import get_entry, load_plugins

    (tmp_path / "my_named_models.py").write_text(MODULE.replace("plugin_brightness", "plugin_named_brightness"))
    (tmp_path / "my_file_models.py").write_text(MODULE.replace("plugin_brightness", "plugin_file_brightness"))
    monkeypatch.syspath_prepend(str(tmp_path))
    load_plugins("my_named_models")
    assert get_entry("plugin_named_brightness").source == "plugin my_named_models"
    load_plugins(str(tmp_path / "my_file_models.py"))
    assert get_entry("plugin_file_brightness").source == f"plugin {tmp_path / 'my_file_models.py'}"
