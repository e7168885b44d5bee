"""Reading and evaluating LIBSVM text models, for the authors' trained parts of BPRI and BMPRI.

The MATLAB releases of BPRI [48] and BMPRI [49] score an image by writing its features to a
file, scaling them with `svm-scale -r range` and calling `svm-predict -b 1 ... model`. This
module does the same in numpy from those two text files, so that a user who has the authors'
release can get the native scores without the LIBSVM binaries. Nothing here ships or
downloads a model.

Formats and algorithms are LIBSVM's (Chang & Lin, ACM TIST 2011): RBF kernel
exp(-gamma |x - sv|^2); one-vs-one decision values for C-SVC; pairwise probabilities by
Platt's sigmoid (Lin, Lin & Weng 2007) coupled into class probabilities by Wu, Lin & Weng
(JMLR 2004, method 2), as `svm_predict_probability` does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from bench.errors import ModelUnavailable


@dataclass
class LibsvmModel:
    svm_type: str
    gamma: float
    rho: np.ndarray  # one per class pair
    sv: np.ndarray  # (n_sv, n_features), dense
    coef: np.ndarray  # (n_class - 1, n_sv)
    labels: Optional[np.ndarray] = None
    n_sv: Optional[np.ndarray] = None  # per class, in label order
    prob_a: Optional[np.ndarray] = None
    prob_b: Optional[np.ndarray] = None

    def kernel(self, x: np.ndarray) -> np.ndarray:
        """RBF kernel values (n_samples, n_sv)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if x.shape[1] < self.sv.shape[1]:
            x = np.pad(x, ((0, 0), (0, self.sv.shape[1] - x.shape[1])))
        d2 = (x ** 2).sum(1)[:, None] + (self.sv ** 2).sum(1)[None, :] - 2.0 * x @ self.sv.T
        return np.exp(-self.gamma * np.maximum(d2, 0.0))

    # -- regression ---------------------------------------------------------------------------
    def predict_regression(self, x: np.ndarray) -> np.ndarray:
        if self.svm_type not in ("epsilon_svr", "nu_svr"):
            raise ValueError(f"model is {self.svm_type}, not a regression model")
        return self.kernel(x) @ self.coef[0] - self.rho[0]

    # -- classification -----------------------------------------------------------------------
    def decision_values(self, x: np.ndarray) -> np.ndarray:
        """One-vs-one decision values (n_samples, n_pairs), pairs ordered (0,1), (0,2), ..., (1,2), ..."""
        k = self.kernel(x)
        starts = np.concatenate([[0], np.cumsum(self.n_sv)])
        n_class = len(self.n_sv)
        out = []
        p = 0
        for i in range(n_class):
            for j in range(i + 1, n_class):
                si, sj = slice(starts[i], starts[i + 1]), slice(starts[j], starts[j + 1])
                # SVs of class i carry their (i, j) coefficient in row j-1, those of class j in row i
                dec = k[:, si] @ self.coef[j - 1, si] + k[:, sj] @ self.coef[i, sj] - self.rho[p]
                out.append(dec)
                p += 1
        return np.stack(out, axis=1)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (n_samples, n_class), columns in the model's label order."""
        if self.prob_a is None or self.prob_b is None:
            raise ValueError("the model was trained without probability estimates (-b 1)")
        dec = self.decision_values(x)
        n_class = len(self.n_sv)
        out = np.empty((dec.shape[0], n_class))
        for row, d in enumerate(dec):
            r = np.zeros((n_class, n_class))
            p = 0
            for i in range(n_class):
                for j in range(i + 1, n_class):
                    r[i, j] = np.clip(_sigmoid(d[p], self.prob_a[p], self.prob_b[p]), 1e-7, 1 - 1e-7)
                    r[j, i] = 1 - r[i, j]
                    p += 1
            out[row] = _couple(r)
        return out


def _sigmoid(dec: float, a: float, b: float) -> float:
    """Platt's 1 / (1 + exp(a*dec + b)), written to avoid overflow."""
    f = dec * a + b
    if f >= 0:
        return float(np.exp(-f) / (1.0 + np.exp(-f)))
    return float(1.0 / (1.0 + np.exp(f)))


def _couple(r: np.ndarray) -> np.ndarray:
    """Wu-Lin-Weng method 2: p minimising sum_ij (r_ji p_i - r_ij p_j)^2, by LIBSVM's fixed-point loop."""
    k = r.shape[0]
    q = -r.T * r  # Q[t, j] = -r[j, t] r[t, j]
    np.fill_diagonal(q, (r ** 2).sum(axis=0) - np.diag(r) ** 2)  # Q[t, t] = sum_{j != t} r[j, t]^2
    p = np.full(k, 1.0 / k)
    eps = 0.005 / k
    for _ in range(max(100, k)):
        qp = q @ p
        pqp = p @ qp
        if np.max(np.abs(qp - pqp)) < eps:
            break
        for t in range(k):
            diff = (-qp[t] + pqp) / q[t, t]
            p[t] += diff
            pqp = (pqp + diff * (diff * q[t, t] + 2 * qp[t])) / (1 + diff) / (1 + diff)
            qp = (qp + diff * q[t]) / (1 + diff)
            p /= 1 + diff
    return p


# -- files ----------------------------------------------------------------------------------------
def read_model(path: Path) -> LibsvmModel:
    """Parse a LIBSVM text model (RBF kernel only: that is what both releases use)."""
    path = Path(path)
    try:
        return _parse_model(path)
    except (KeyError, ValueError, IndexError) as exc:
        raise ModelUnavailable(f"{path}: malformed LIBSVM model ({type(exc).__name__}: {exc})") from None


def _parse_model(path: Path) -> LibsvmModel:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ModelUnavailable(f"{path}: cannot read the LIBSVM model ({exc})") from exc
    header: dict = {}
    try:
        start = lines.index("SV") + 1
    except ValueError:
        raise ModelUnavailable(f"{path}: not a LIBSVM model (no 'SV' line)") from None
    for line in lines[: start - 1]:
        key, _, value = line.partition(" ")
        header[key] = value.split()
    if header.get("kernel_type", [""])[0] != "rbf":
        raise ModelUnavailable(f"{path}: kernel {header.get('kernel_type')} is not supported (RBF only)")
    n_class = int(header["nr_class"][0])
    n_coef = n_class - 1
    rows, coefs = [], []
    for line in lines[start:]:
        parts = line.split()
        if not parts:
            continue
        coefs.append([float(v) for v in parts[:n_coef]])
        rows.append({int(k): float(v) for k, v in (p.split(":") for p in parts[n_coef:])})
    n_feat = max((max(r) for r in rows if r), default=0)
    sv = np.zeros((len(rows), n_feat))
    for i, r in enumerate(rows):
        for k, v in r.items():
            sv[i, k - 1] = v

    def arr(key, dtype=float):
        return np.array(header[key], dtype=dtype) if key in header else None

    return LibsvmModel(svm_type=header["svm_type"][0], gamma=float(header["gamma"][0]), rho=arr("rho"),
                       sv=sv, coef=np.array(coefs).T, labels=arr("label", int), n_sv=arr("nr_sv", int),
                       prob_a=arr("probA"), prob_b=arr("probB"))


@dataclass
class Scaling:
    """An `svm-scale -r range` file: target [lower, upper] and per-feature (min, max)."""

    lower: float
    upper: float
    ranges: dict = field(default_factory=dict)  # feature index (1-based) -> (min, max)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Scale like svm-scale: linear map of [min, max] to [lower, upper], not clipped;
        a feature with min == max is dropped (0), and values print with %g (6 significant digits)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        out = np.zeros_like(x)
        for k, (lo, hi) in self.ranges.items():
            if k > x.shape[1] or hi == lo:
                continue
            v = x[:, k - 1]
            scaled = self.lower + (self.upper - self.lower) * (v - lo) / (hi - lo)
            scaled = np.where(v == lo, self.lower, np.where(v == hi, self.upper, scaled))
            out[:, k - 1] = [float(f"{s:g}") for s in scaled]
        return out


def read_range(path: Path) -> Scaling:
    path = Path(path)
    try:
        lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    except OSError as exc:
        raise ModelUnavailable(f"{path}: cannot read the svm-scale range file ({exc})") from exc
    if not lines or lines[0] != ["x"]:
        raise ModelUnavailable(f"{path}: not an svm-scale feature range file (first line must be 'x')")
    try:
        lower, upper = (float(v) for v in lines[1])
        return Scaling(lower, upper, {int(k): (float(lo), float(hi)) for k, lo, hi in lines[2:]})
    except ValueError as exc:
        raise ModelUnavailable(f"{path}: malformed svm-scale range file ({exc})") from None


def as_matlab_text(x: np.ndarray) -> np.ndarray:
    """Features as MATLAB's fprintf('%f') writes them for svm-scale: 6 decimals."""
    return np.round(np.asarray(x, dtype=np.float64), 6)


def find_release_file(root: Path, *names: str) -> Path:
    """The first of `names` found under a release folder `root` (e.g. 'SVM/model', 'model')."""
    root = Path(root).expanduser()
    for n in names:
        if (root / n).is_file():
            return root / n
    raise ModelUnavailable(f"{root}: none of {', '.join(names)} found (expected the authors' MATLAB "
                           "release folder)")
