"""The table printed at the end of `bench run`, and the run's exit status."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

# (task, metric, header) shown per model when present
COLUMNS = (("quality", "srcc", "Q-SRCC"), ("authenticity", "srcc", "A-SRCC"), ("quality", "plcc", "Q-PLCC"),
           ("distortion", "accuracy", "Dist-Acc"), ("saliency", "auc_judd", "AUC-J"), ("saliency", "nss", "NSS"),
           ("saliency", "cc", "CC"))


def print_summary(outcomes, store, decodes_before: int, out_dir, strict_unavailable: bool = False) -> int:
    """Print one row per model (mean±std over folds) and return the exit status.

    1 when any model or any test sample failed (raised, or gave no valid prediction): failed samples
    are named. Models that cannot run here are listed with their reason and fail the run only when
    the user named them explicitly.
    """
    by_model = defaultdict(list)
    for o in outcomes:
        by_model[o.model].append(o)
    cols = [c for c in COLUMNS if any(c[1] in o.metrics.get(c[0], {}) for o in outcomes)]
    w = max([16] + [len(m) + 2 for m in by_model])
    head = f"{'model':<{w}}{'status':<13}{'folds':>6}  " + "".join(f"{h:>16}" for *_, h in cols)
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
        print(f"{model:<{w}}{status:<13}{len(ok):>3}/{len(outs):<2}  {cells}")
        reasons = sorted({o.reason for o in outs if o.reason})
        for r in reasons[:2]:
            print(f"{'':<{w}}  {r[:150]}")
        if status == "unavailable":
            unavailable.append(model)
        elif status != "ok":
            failed.append(model)
    resumed = sum(o.skipped for o in outcomes)
    print(f"\n{len(by_model)} model(s), {len(outcomes)} (model, fold) results in {out_dir}"
          + (f" ({resumed} kept from an earlier run)" if resumed else ""))
    print(f"video decodes: {store.decode_count() - decodes_before} in this run; frame store {store.root} "
          f"({store.nbytes() / 1024**2:.1f} MiB" + (f", cap {store.max_bytes / 1024**3:.1f} GiB" if store.max_bytes
                                                    else "") + ")")
    sample_failures = {(o.model, sid): why for o in outcomes
                       for sid, why in (o.failed_samples or {}).items()}
    if sample_failures:
        print(f"FAILED SAMPLES ({len(sample_failures)}):")
        for (model, sid), why in list(sample_failures.items())[:20]:
            print(f"  {model} / {sid}: {why[:150]}")
        if len(sample_failures) > 20:
            print(f"  ... and {len(sample_failures) - 20} more (failed_samples in the result files)")
    warned = sorted({w for o in outcomes for w in (o.warnings or [])})
    for w in warned[:10]:
        print(f"warning: {w}")
    if unavailable:
        print(f"cannot run here ({len(unavailable)}): {', '.join(unavailable)}; `bench list` says why")
    if failed:
        print(f"FAILED ({len(failed)}): {', '.join(failed)}; reasons and tracebacks are in their result files")
        return 1
    if sample_failures:
        return 1
    return 1 if (strict_unavailable and unavailable) else 0
