"""Where pretrained weights come from: one resolver for every learned model.

Nothing is ever downloaded. A `WeightSpec` names what a model loads; `resolve` finds it, offline, in

- torchvision's cache: `$TORCH_HOME/hub/checkpoints/<file>` (TORCH_HOME defaults to
  `$XDG_CACHE_HOME/torch`, i.e. `~/.cache/torch`), the file torchvision's weights enum (or
  `torch.hub.load_state_dict_from_url`, for checkpoints published at a URL) downloads;
- the Hugging Face cache: `$HF_HOME/hub/models--ORG--NAME/snapshots/<revision>/` (HF_HOME defaults to
  `~/.cache/huggingface`; HF_HUB_CACHE overrides the hub folder), the layout `hf download` writes;
  timm's pretrained weights live there too (`timm/<model>.<tag>`);
- a local path given by the user (`--set weights_path=...`), a file or a snapshot-like folder.

and says what it found: source, identifier, revision (the snapshot hash), the file's sha256 (for
Hugging Face files the blob name, which the hub computes as the LFS sha256), and, when absent, the
exact command that fetches it on a connected machine. Every result records this.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

SOURCES = ("torchvision", "url", "hf", "timm", "file")


@dataclass(frozen=True)
class WeightSpec:
    """One set of pretrained weights a model loads.

    - torchvision: `id` is the weights enum ("ResNet50_Weights.IMAGENET1K_V1"), `url` its download URL
      (the cache file is its last path component).
    - url: a checkpoint published at `url` (pytorchvideo's model zoo, an author's release), cached where
      `torch.hub.load_state_dict_from_url` puts it: $TORCH_HOME/hub/checkpoints/<last path component>.
    - hf / timm: `id` is the Hugging Face repo ("Qwen/Qwen2.5-VL-7B-Instruct",
      "timm/swin_large_patch4_window7_224.ms_in22k_ft_in1k"); `files` the files that must be there
      (default: config.json and the weights, sharded or not).
    - file: `id` names it, `url` says where it is published; only a local `path` finds it.
    """

    key: str  # what it initialises ("backbone", "base", "model")
    source: str
    id: str
    url: Optional[str] = None
    files: tuple = ()
    description: str = ""
    revision: Optional[str] = None  # a pinned snapshot; None: whatever refs/main points to

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"WeightSpec {self.id}: source must be one of {SOURCES}, not {self.source!r}")

    def fetch_command(self) -> str:
        if self.source == "torchvision":
            return (f"python -c \"from torchvision.models import get_weight; "
                    f"get_weight('{self.id}').get_state_dict(progress=True)\"  # into $TORCH_HOME/hub/checkpoints")
        if self.source == "url":
            return (f"python -c \"import torch; torch.hub.load_state_dict_from_url('{self.url}', progress=True)\""
                    f"  # into $TORCH_HOME/hub/checkpoints")
        if self.source in ("hf", "timm"):
            rev = f" --revision {self.revision}" if self.revision else ""
            return f"hf download {self.id}{rev}  # (older huggingface_hub: huggingface-cli download {self.id}{rev})"
        return f"download {self.url or self.id} and pass --set weights_path=<the file>"


@dataclass
class ResolvedWeights:
    spec: WeightSpec
    present: bool
    path: Optional[str] = None
    found_in: Optional[str] = None  # "TORCH_HOME", "HF_HOME", "weights_path"
    revision: Optional[str] = None
    sha256: dict = field(default_factory=dict)  # file name -> sha256
    looked_in: str = ""
    problem: str = ""

    def record(self) -> dict:
        """The JSON block a result stores."""
        out = {"key": self.spec.key, "source": self.spec.source, "id": self.spec.id, "present": self.present,
               "path": self.path, "found_in": self.found_in, "revision": self.revision, "sha256": self.sha256}
        if not self.present:
            out["fetch"] = self.spec.fetch_command()
            out["looked_in"] = self.looked_in
        return out

    def why_missing(self) -> str:
        what = self.spec.description or self.spec.id
        extra = f" ({self.problem})" if self.problem else ""
        return (f"pretrained weights {self.spec.id} ({what}) not found in {self.looked_in}{extra}; "
                f"on a connected machine: {self.spec.fetch_command()}")


def torch_home() -> Path:
    if os.environ.get("TORCH_HOME"):
        return Path(os.environ["TORCH_HOME"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "torch"


def hf_hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def resolve(spec: WeightSpec, path: Optional[str] = None) -> ResolvedWeights:
    """Find `spec`'s weights offline: `path` when given, else the standard cache of its source."""
    if path:
        return _resolve_path(spec, Path(path).expanduser())
    if spec.source in ("torchvision", "url"):
        return _resolve_torchvision(spec)
    if spec.source in ("hf", "timm"):
        return _resolve_hf(spec)
    return ResolvedWeights(spec, False, looked_in="--set weights_path (no path given)")


def _resolve_torchvision(spec: WeightSpec) -> ResolvedWeights:
    name = Path(spec.url or "").name
    folder = torch_home() / "hub" / "checkpoints"
    f = folder / name
    if not name or not f.is_file():
        return ResolvedWeights(spec, False, looked_in=str(f if name else folder))
    return ResolvedWeights(spec, True, str(f), "TORCH_HOME", sha256={name: file_sha256(f)})


def _resolve_hf(spec: WeightSpec) -> ResolvedWeights:
    repo = hf_hub_cache() / ("models--" + spec.id.replace("/", "--"))
    revision = spec.revision
    if revision is None:
        ref = repo / "refs" / "main"
        if not ref.is_file():
            return ResolvedWeights(spec, False, looked_in=str(repo))
        revision = ref.read_text().strip()
    snap = repo / "snapshots" / revision
    if not snap.is_dir():
        return ResolvedWeights(spec, False, looked_in=str(snap), problem="snapshot folder missing")
    return _check_files(spec, snap, "HF_HOME", revision)


def _resolve_path(spec: WeightSpec, p: Path) -> ResolvedWeights:
    if p.is_file():
        return ResolvedWeights(spec, True, str(p), "weights_path", sha256={p.name: file_sha256(p)})
    if p.is_dir():
        return _check_files(spec, p, "weights_path", None)
    return ResolvedWeights(spec, False, looked_in=str(p), problem="no such file or folder")


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a snapshot-like folder: the shards an index lists, else *.safetensors / *.bin."""
    for index in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        if (folder / index).is_file():
            shards = sorted(set(json.loads((folder / index).read_text())["weight_map"].values()))
            return [folder / s for s in shards]
    return sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin")) or sorted(folder.glob("*.pth"))


def _check_files(spec: WeightSpec, folder: Path, where: str, revision: Optional[str]) -> ResolvedWeights:
    wanted = [folder / f for f in spec.files] if spec.files else [folder / "config.json", *weight_files(folder)]
    missing = [str(f.relative_to(folder)) for f in wanted if not f.exists()]
    if not spec.files and not weight_files(folder):
        missing.append("weights (*.safetensors / *.bin)")
    if missing:
        return ResolvedWeights(spec, False, str(folder), where, revision, looked_in=str(folder),
                               problem=f"missing {', '.join(missing)}")
    hashes = {}
    for f in wanted:
        if f.suffix in (".safetensors", ".bin", ".pth", ".pt"):
            hashes[f.name] = _blob_sha256(f)
    return ResolvedWeights(spec, True, str(folder), where, revision, hashes)


def _blob_sha256(f: Path) -> str:
    """A hub blob's name is its sha256 (LFS files): no need to read gigabytes. Else hash the file."""
    target = f.resolve()
    if target.parent.name == "blobs" and len(target.name) == 64:
        return target.name
    return file_sha256(f)


def file_sha256(f: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(f, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def resolve_all(specs, config: Optional[dict] = None) -> list[ResolvedWeights]:
    """Resolve a model's specs; `weights_path` in the config (a path, or {key: path}) overrides the caches."""
    given = (config or {}).get("weights_path")
    out = []
    for spec in specs:
        path = given.get(spec.key) if isinstance(given, dict) else given
        out.append(resolve(spec, path))
    return out


def as_dict(spec: WeightSpec) -> dict:
    return asdict(spec)
