"""Submission archives: packing a run, and refusing every unsafe or oversized archive before it lands."""
from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from bench.leaderboard.archive import ArchiveError, Limits, safe_unpack
from tests.leaderboard.conftest import snapshot


def make_tar(path, members):
    """members: (TarInfo fields, bytes or None) written as given, however unsafe."""
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for fields, data in members:
            info = tarfile.TarInfo(fields.pop("name"))
            for k, v in fields.items():
                setattr(info, k, v)
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_pack_holds_data_only_and_unpacks_identically(run_dir, archive, tmp_path):
    names = safe_unpack(archive, tmp_path, Limits())
    assert "submission.json" in names and "split.json" in names
    assert all(n.endswith((".json", ".jsonl", ".npz")) for n in names)
    for n in names:
        if n.startswith("records/"):
            assert (tmp_path / n).read_bytes() == (run_dir / n[len("records/"):]).read_bytes()
    assert {n.split("/")[1] for n in names if n.startswith("records/")} == {
        "t_clean", "t_noise_level", "t_mean_regressor", "t_quantised_saliency"}
    assert any(n.endswith("maps.npz") for n in names)


OK = b"{}"
UNSAFE = [
    ({"name": "../escaped.json"}, OK, "climbs out"),
    ({"name": "records/../../escaped.json"}, OK, "climbs out"),
    ({"name": "/tmp/escaped-absolute.json"}, OK, "absolute path"),
    ({"name": "records/x/fold-0.json", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, None, "link"),
    ({"name": "records/x/fold-1.json", "type": tarfile.LNKTYPE, "linkname": "submission.json"}, None, "link"),
    ({"name": "records/x/fold-2.json", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3}, None, "device"),
    ({"name": "records/x/fold-0.model.joblib"}, b"pickle", "not a file a submission may hold"),
    ({"name": "records/x/run.sh"}, b"#!/bin/sh", "not a file a submission may hold"),
]


@pytest.mark.parametrize("member,data,why", UNSAFE, ids=[m[0]["name"] + "-" + m[2] for m in UNSAFE])
def test_unsafe_members_are_refused(tmp_path, member, data, why):
    bad = make_tar(tmp_path / "bad.tar.gz", [({"name": "submission.json"}, OK), (dict(member), data)])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(ArchiveError, match=why) as err:
        safe_unpack(bad, dest, Limits())
    assert str(bad) in str(err.value) and member["name"] in str(err.value)
    assert not (tmp_path / "escaped.json").exists() and not (tmp_path.parent / "escaped.json").exists()


def test_size_and_count_limits(tmp_path):
    many = make_tar(tmp_path / "many.tar.gz", [({"name": f"records/m/fold-{i}.json"}, OK) for i in range(6)])
    with pytest.raises(ArchiveError, match="more than 5 members"):
        safe_unpack(many, tmp_path / "a", Limits(max_members=5))
    big = make_tar(tmp_path / "big.tar.gz", [({"name": "records/m/fold-0.json"}, b"x" * 5000)])
    with pytest.raises(ArchiveError, match="over the board's limit of 4096"):
        safe_unpack(big, tmp_path / "b", Limits(max_file_bytes=4096))
    two = make_tar(tmp_path / "two.tar.gz", [({"name": f"records/m/fold-{i}.json"}, b"x" * 3000) for i in range(2)])
    with pytest.raises(ArchiveError, match="more than 5000 bytes"):
        safe_unpack(two, tmp_path / "c", Limits(max_total_bytes=5000))


def test_gzip_bomb_is_refused_before_it_is_decompressed(tmp_path):
    """50 MiB of one byte compress to ~50 kB; the member's header announces them and is refused at once."""
    bomb = tmp_path / "bomb.tar.gz"
    with gzip.open(bomb, "wb") as gz:
        info = tarfile.TarInfo("records/m/fold-0.json")
        info.size = 10
        gz.write(info.tobuf(tarfile.GNU_FORMAT) + b"{}" * 5 + b"\0" * 502)
        garbage = tarfile.TarInfo("records/m/fold-1.json")
        garbage.size = 50 << 20
        gz.write(garbage.tobuf(tarfile.GNU_FORMAT))
        for _ in range(50):
            gz.write(b"\1" * (1 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ArchiveError, match="fold-1.json' is 52428800 bytes, over the board's limit"):
        safe_unpack(bomb, tmp_path / "d", Limits(max_total_bytes=1 << 20, max_file_bytes=1 << 20))
    assert not (tmp_path / "d" / "records" / "m" / "fold-1.json").exists()


def test_not_an_archive(tmp_path):
    f = tmp_path / "x.tar.gz"
    f.write_text("hello")
    with pytest.raises(ArchiveError, match="not a gzip-compressed tar"):
        safe_unpack(f, tmp_path, Limits())


def test_board_refuses_an_escaping_archive_and_stays_unchanged(board, tmp_path):
    bad = make_tar(tmp_path / "evil.tar.gz", [({"name": "submission.json"}, OK), ({"name": "../../pwned.json"}, OK)])
    before = snapshot(board.root)
    with pytest.raises(ArchiveError, match="climbs out"):
        board.add(bad)
    assert snapshot(board.root) == before
    assert not any(p.name == "pwned.json" for p in tmp_path.rglob("*"))
