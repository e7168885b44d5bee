"""The table printed at the end of `bench run`, and the run's exit status."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

# (task, metric, header) shown per model when present
COLUMNS = (("quality", "srcc", "Q-SRCC"), ("authenticity", "srcc", "A-SRCC"), ("quality", "plcc", "Q-PLCC"),
           ("distortion", "accuracy", "Dist-Acc"), ("saliency", "auc_judd", "AUC-J"), ("saliency", "nss", "NSS"),
           ("saliency", "cc", "CC"))


def print_summary(outcomes, cache, out_dir, strict_unavailable: bool = False) -> int:
    """Print one row per model (mean±std over folds) and return the exit status.

    1 when any model failed (raised or gave no valid prediction); models that cannot run here are
    listed with their reason and fail the run only when the user named them explicitly.
    """
    by_model = defaultdict(list)
    for o in outcomes:
        by_model[o.model].append(o)
    cols = [c for c in COLUMNS if any(c[1] in o.metrics.get(c[0], {}) for o in outcomes)]
    head = f"{'model':<16}{'status':<13}{'folds':>6}  " + "".join(f"{h:>16}" for *_, h in cols)
    print("\n" + head + "\n" + "-" * len(head))
    failed, unavailable = [], []
    for model, outs in by_model.items():
        ok = [o for o in outs if o.status == "ok"]
        status = "ok" if len(ok) == len(outs) else outs[-1].status if not ok else "partial"
        cells = ""
        for task, metric, _ in cols:
            vals = [o.metrics.get(task, {}).get(metric) for o in ok]
            vals = [v for v in vals if v is not None]
            cells += f"{np.mean(vals):>9.4f}±{np.std(vals):<6.3f}" if vals else f"{'-':>16}"
        print(f"{model:<16}{status:<13}{len(ok):>3}/{len(outs):<2}  {cells}")
        reasons = sorted({o.reason for o in outs if o.reason})
        for r in reasons[:2]:
            print(f"{'':<16}  {r[:150]}")
        if status == "unavailable":
            unavailable.append(model)
        elif status != "ok":
            failed.append(model)
    resumed = sum(o.skipped for o in outcomes)
    print(f"\n{len(by_model)} model(s), {len(outcomes)} (model, fold) results in {out_dir}"
          + (f" ({resumed} kept from an earlier run)" if resumed else ""))
    print(f"video decodes: {cache.decodes} (served from the frame cache: {cache.hits})")
    if unavailable:
        print(f"cannot run here ({len(unavailable)}): {', '.join(unavailable)}; `bench list` says why")
    if failed:
        print(f"FAILED ({len(failed)}): {', '.join(failed)}; reasons and tracebacks are in their result files")
        return 1
    return 1 if (strict_unavailable and unavailable) else 0
