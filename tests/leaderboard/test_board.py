"""Adding submissions to a board: honest ones are accepted, every tampered one is refused with the file
and the metric named, and a refused one leaves the board byte-identical."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.leaderboard import Board, Limits, Rejected
from bench.leaderboard.archive import safe_unpack, write_archive
from bench.results import load
from tests.leaderboard.conftest import snapshot


def tampered(archive: Path, tmp: Path, edit) -> Path:
    """The archive with `edit(folder)` applied, its manifest's checksums updated to match (a cheater
    would do the same), repacked."""
    folder = tmp / "edit"
    safe_unpack(archive, folder, Limits())
    edit(folder)
    manifest = json.loads((folder / "submission.json").read_text())
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest["files"] = {n: {"sha256": hashlib.sha256((folder / n).read_bytes()).hexdigest(),
                             "bytes": (folder / n).stat().st_size} for n in names if n != "submission.json"}
    (folder / "submission.json").write_text(json.dumps(manifest))
    out = tmp / "tampered.tar.gz"
    write_archive(out, {n: folder / n for n in names})
    return out


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_accepts_an_honest_submission(board, archive):
    sub = board.add(archive)
    assert sub.startswith("lab-a-") and (board.root / "submissions" / sub / "accepted.json").is_file()
    assert not list(board.root.glob(".incoming-*"))
    accepted = json.loads((board.root / "submissions" / sub / "accepted.json").read_text())
    assert accepted["verified"] == {"t_clean": 2, "t_mean_regressor": 2, "t_noise_level": 2, "t_quantised_saliency": 2}
    assert accepted["tolerance"] == {"rel": 1e-9, "abs": 1e-12}
    derived = json.loads((board.root / "submissions" / sub / "derived" / "t_quantised_saliency" /
                          "fold-0.saliency.json").read_text())
    assert len(derived) == 10 and set(next(iter(derived.values()))) == {"auc_judd", "auc_borji", "nss", "cc", "sim", "kld"}
    with pytest.raises(Rejected, match="already on the board"):
        board.add(archive)


def test_a_run_folder_is_packed_and_added(board, run_dir):
    sub = board.add(run_dir, name="lab B")
    assert sub.startswith("lab-b-")
    metrics, preds = load(board.root)
    assert set(metrics["submission"]) == {sub}


TAMPERING = [
    # (what, edit, message fragments)
    ("metric", lambda f: edit_json(f / "records/t_clean/fold-1.json",
                                   lambda d: d["metrics"]["quality"].update(srcc=d["metrics"]["quality"]["srcc"] + 0.005)),
     ["records/t_clean/fold-1.json", "quality.srcc", "does not match"]),
    ("tiny metric change", lambda f: edit_json(f / "records/t_noise_level/fold-0.json",
                                               lambda d: d["metrics"]["authenticity"].update(
                                                   krcc=d["metrics"]["authenticity"]["krcc"] * (1 + 1e-7))),
     ["records/t_noise_level/fold-0.json", "authenticity.krcc"]),
    ("saliency metric", lambda f: edit_json(f / "records/t_quantised_saliency/fold-0.json",
                                            lambda d: d["metrics"]["saliency"].update(kld=d["metrics"]["saliency"]["kld"] - 0.1)),
     ["records/t_quantised_saliency/fold-0.json", "saliency.kld"]),
    ("claimed extra metric", lambda f: edit_json(f / "records/t_clean/fold-0.json",
                                                 lambda d: d["metrics"].update(distortion={"accuracy": 0.9})),
     ["records/t_clean/fold-0.json", "distortion.accuracy", "cannot be computed"]),
    ("edited MOS", lambda f: _edit_lines(f / "records/t_clean/fold-0.predictions.jsonl",
                                         lambda row: row["mos"].update(quality=row["mos"]["quality"] + 1)),
     ["records/t_clean/fold-0.predictions.jsonl", "MOS", "board's dataset"]),
    ("edited prediction", lambda f: _edit_lines(f / "records/t_mean_regressor/fold-1.predictions.jsonl",
                                                lambda row: row["scores"].update(quality=-row["scores"]["quality"])),
     ["records/t_mean_regressor/fold-1.json", "quality."]),
    ("edited map", lambda f: _edit_map(f / "records/t_quantised_saliency/fold-1.maps.npz"),
     ["records/t_quantised_saliency/fold-1.json", "saliency."]),
    ("missing fold", lambda f: [p.unlink() for p in (f / "records/t_clean").glob("fold-1.*")],
     ["records/t_clean/fold-1.json", "missing", "every fold"]),
    ("dropped test sample", lambda f: _drop_line(f / "records/t_clean/fold-0.predictions.jsonl"),
     ["records/t_clean/fold-0.predictions.jsonl", "missing"]),
    ("status", lambda f: edit_json(f / "records/t_clean/fold-0.json", lambda d: d.update(status="failed")),
     ["records/t_clean/fold-0.json", "status"]),
    ("dataset hash", lambda f: edit_json(f / "submission.json", lambda d: d["dataset"].update(hash="0" * 64)),
     ["dataset hash 000000000000"]),
]


def _edit_lines(path: Path, change) -> None:
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    change(rows[0])
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def _drop_line(path: Path) -> None:
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")


def _edit_map(path: Path) -> None:
    with np.load(path) as npz:
        maps = {k: npz[k].copy() for k in npz.files}
    first = sorted(maps)[0]
    maps[first] = np.ascontiguousarray(maps[first][:, ::-1])
    buf = io.BytesIO()
    np.savez_compressed(buf, **maps)
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize("what,edit,fragments", TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampered_submissions_are_refused_and_change_nothing(board, archive, tmp_path, what, edit, fragments):
    board.add(archive)  # an accepted submission is there already: it must survive untouched too
    bad = tampered(archive, tmp_path, edit)
    before = snapshot(board.root)
    with pytest.raises(Rejected) as err:
        board.add(bad)
    assert str(bad) in str(err.value)
    for fragment in fragments:
        assert fragment in str(err.value), err.value
    assert snapshot(board.root) == before


def test_another_split_is_refused(lb_dataset, archive, tmp_path):
    other = Board.init(tmp_path / "other", lb_dataset, "kfold", folds=2, seed=1)
    before = snapshot(other.root)
    with pytest.raises(Rejected, match="split hash .* is not the board's"):
        other.add(archive)
    assert snapshot(other.root) == before


def test_cli_round_trip(lb_dataset, run_dir, tmp_path, capsys):
    board, sub = tmp_path / "b", tmp_path / "s.tar.gz"
    assert main(["leaderboard", "init", str(board), "--dataset", str(lb_dataset), "--folds", "2",
                 "--bootstrap", "200"]) == 0
    assert main(["leaderboard", "pack", str(run_dir), "-o", str(sub), "--name", "lab C"]) == 0
    bad = tampered(sub, tmp_path, lambda f: edit_json(
        f / "records/t_clean/fold-0.json", lambda d: d["metrics"]["quality"].update(plcc=0.99)))
    assert main(["leaderboard", "add", "--board", str(board), str(sub), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "rejected:" in err and "records/t_clean/fold-0.json: metric quality.plcc = 0.99" in err
    assert main(["leaderboard", "list", str(board)]) == 0
    assert "lab C" in capsys.readouterr().out
    assert main(["leaderboard", "build", str(board), "--format", "md", "--no-plots", "--no-paper"]) == 0
    text = (board / "site" / "quick" / "board.md").read_text()
    assert "| t_clean" in text and "200 replicates" in text
    assert main(["leaderboard", "build", str(tmp_path / "nothing")]) == 2
