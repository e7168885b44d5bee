"""Table model -> Markdown, LaTeX (booktabs + xcolor, best red / second blue as in the paper) or CSV."""
from __future__ import annotations

import csv
import io
import unicodedata

from bench.tables.build import Cell, Row, Table
from bench.tables.layout import LATEX_MARKERS

FIRST_HEADER = {1: "Methods / Metrics", 2: "Models", 3: "Model / Metric", 4: "No. / Training Strategy", 5: "No."}
DASH = "—"
LATEX_PACKAGES = ("booktabs", "xcolor", "amssymb", "graphicx")


def cell_text(cell: Cell, row: Row, decimals: int) -> str:
    if cell.mean is None:
        return DASH
    if row.derived:
        return f"{cell.mean:+.1f}%"
    text = f"{cell.mean:.{decimals}f}"
    if cell.std is not None:
        text += f" ± {cell.std:.{decimals}f}"
    return text


def _headers(table: Table) -> list[str]:
    return [f"{c.group} {c.label}".strip() for c in table.columns]


def _mixed_profiles(table: Table) -> bool:
    return len(table.profiles) > 1


# --- Markdown -----------------------------------------------------------------------------------------

def _md_escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(table: Table) -> str:
    out = [f"**Table {table.number}.** {_md_escape(table.title)}.", ""]
    out += [f"- {_md_escape(line)}" for line in table.caption_lines]
    out.append("- Best in **bold**, second best <u>underlined</u>")
    if table.family_legend:
        out.append(f"- {table.family_legend}")
    out.append("")
    header = [FIRST_HEADER[table.number]] + table.extra_headers + _headers(table)
    if _mixed_profiles(table):
        header.append("Profile")
    out.append("| " + " | ".join(_md_escape(h) for h in header) + " |")
    out.append("|" + "|".join([":---"] * (1 + len(table.extra_headers)) + ["---:"] * len(table.columns)
                              + ([":---"] if _mixed_profiles(table) else [])) + "|")
    for row in table.rows:
        label = (f"{row.marker} " if row.marker else "") + _md_escape(row.label)
        if row.notes:
            label += " <sup>" + ",".join(row.notes) + "</sup>"
        cells = []
        for col, cell in zip(table.columns, row.cells):
            text = _md_escape(cell_text(cell, row, col.decimals))
            cells.append(f"**{text}**" if cell.rank == 1 else f"<u>{text}</u>" if cell.rank == 2 else text)
        line = [label] + [_md_escape(x) for x in row.extra] + cells
        if _mixed_profiles(table):
            line.append("" if row.derived else _md_escape(row.profile))
        out.append("| " + " | ".join(line) + " |")
    if table.notes:
        out += ["", "Notes:", ""]
        out += [f"- <sup>{key}</sup> {_md_escape(text)}" for key, text in table.notes.items()]
    return "\n".join(out) + "\n"


# --- LaTeX --------------------------------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "<": r"\textless{}", ">": r"\textgreater{}"}
_LATEX_UNICODE = {"—": "---", "–": "--", "±": r"$\pm$", "−": "$-$", "×": r"$\times$", "↑": r"$\uparrow$",
                  "↓": r"$\downarrow$", "✓": r"$\checkmark$", "’": "'", "‘": "`", "“": "``", "”": "''",
                  "…": r"\ldots{}", "≥": r"$\geq$", "≤": r"$\leq$", **LATEX_MARKERS}


def latex_escape(text: str) -> str:
    """Plain text -> LaTeX that pdflatex compiles with the default font encoding."""
    out = []
    for ch in str(text):
        if ch in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[ch])
        elif ch in _LATEX_UNICODE:
            out.append(_LATEX_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:  # accents -> base letter; anything else -> '?' rather than a compile error
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(latex_escape(base) if base else "?")
    return "".join(out)


def _latex_cell(cell: Cell, row: Row, decimals: int) -> str:
    text = latex_escape(cell_text(cell, row, decimals))
    return (r"\textcolor{red}{" + text + "}" if cell.rank == 1
            else r"\textcolor{blue}{" + text + "}" if cell.rank == 2 else text)


def to_latex(table: Table) -> str:
    n_lead = 1 + len(table.extra_headers)
    n_cols = n_lead + len(table.columns) + (1 if _mixed_profiles(table) else 0)
    align = "l" + "c" * len(table.extra_headers) + "c" * len(table.columns) + ("l" if _mixed_profiles(table) else "")
    # The caption names the data; the other protocol statements go under the table with the notes.
    caption = f"{table.title}. {table.caption_lines[0]}."
    if any(c.metric.startswith("plcc") for c in table.columns):
        caption += (" PLCC as printed (raw assumed)." if table.source == "paper"
                    else " PLCC: raw (no logistic fit)." if table.plcc_kind == "raw" else " PLCC: after logistic fit.")
    caption += " Best in \\textcolor{red}{red}, second best in \\textcolor{blue}{blue}."
    if table.family_legend:
        caption += " " + table.family_legend + "."
    lines = [f"% Generated by `bench tables` (gen3dhf-bench). Needs \\usepackage{{{','.join(LATEX_PACKAGES)}}}.",
             r"\begin{table*}[t]", r"\centering",
             r"\caption{" + _latex_caption(caption) + "}",
             rf"\label{{tab:{table.slug()}-table{table.number}}}",
             r"\resizebox{\linewidth}{!}{%",
             rf"\begin{{tabular}}{{{align}}}", r"\toprule"]
    groups = _column_groups(table)
    if any(g for g, _ in groups):
        top, rules, start = [""] * n_lead, [], n_lead + 1
        for group, span in groups:
            top.append(rf"\multicolumn{{{span}}}{{c}}{{{latex_escape(group)}}}" if span > 1 else latex_escape(group))
            if group:
                rules.append(rf"\cmidrule(lr){{{start}-{start + span - 1}}}")
            start += span
        if _mixed_profiles(table):
            top.append("")
        lines.append(" & ".join(top) + r" \\")
        lines.append(" ".join(rules))
    header = [FIRST_HEADER[table.number]] + table.extra_headers + [c.label for c in table.columns]
    if _mixed_profiles(table):
        header.append("Profile")
    lines.append(" & ".join(latex_escape(h) for h in header) + r" \\")
    lines.append(r"\midrule")
    previous = None
    for row in table.rows:
        group = "derived" if row.derived else row.family
        if previous is not None and group != previous:
            lines.append(r"\midrule")
        previous = group
        label = (latex_escape(row.marker) + " " if row.marker else "") + latex_escape(row.label)
        if row.notes:
            label += "$^{" + ",".join(row.notes) + "}$"
        cells = [label] + [latex_escape(x) for x in row.extra]
        cells += [_latex_cell(c, row, col.decimals) for col, c in zip(table.columns, row.cells)]
        if _mixed_profiles(table):
            cells.append("" if row.derived else latex_escape(row.profile))
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}"]
    lines.append(r"\par\smallskip\parbox{\linewidth}{\footnotesize")
    lines += [f"{latex_escape(text)}.\\par" for text in table.caption_lines[1:]]
    lines += [f"$^{{{key}}}$ {latex_escape(text)}\\par" for key, text in table.notes.items()]
    lines.append("}")
    lines.append(r"\end{table*}")
    assert len(header) == n_cols
    return "\n".join(lines) + "\n"


def _latex_caption(text: str) -> str:
    """Escape a caption but keep the \\textcolor commands it carries."""
    keep = {"\\textcolor{red}{red}": "@@RED@@", "\\textcolor{blue}{blue}": "@@BLUE@@"}
    for k, v in keep.items():
        text = text.replace(k, v)
    text = latex_escape(text)
    for k, v in keep.items():
        text = text.replace(v, k)
    return text


def _column_groups(table: Table) -> list[tuple[str, int]]:
    groups: list[list] = []
    for col in table.columns:
        if groups and groups[-1][0] == col.group:
            groups[-1][1] += 1
        else:
            groups.append([col.group, 1])
    return [(g, n) for g, n in groups]


def latex_document(tables: list[Table]) -> str:
    """A complete document around the tables (what `--standalone` writes and the tests compile)."""
    body = "\n".join(to_latex(t) for t in tables)
    return ("\\documentclass{article}\n"
            f"\\usepackage{{{','.join(LATEX_PACKAGES)}}}\n\\begin{{document}}\n{body}\\end{{document}}\n")


# --- CSV ----------------------------------------------------------------------------------------------

def to_csv(table: Table) -> str:
    """One line per row; metadata repeated on every line so each line stands alone."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    metric_cols = []
    for col in table.columns:
        key = f"{col.task}.{col.metric}"
        metric_cols += [f"{key}.mean", f"{key}.std", f"{key}.n", f"{key}.rank"]
    writer.writerow(["table", "row", "model", "label", "family", "status", "notes", "profile", "source",
                     "dataset_label", "dataset_synthetic", "dataset_hash", "split_name", "split_hash",
                     "n_folds", "plcc_kind", "settings"] + metric_cols)
    for i, row in enumerate(table.rows):
        values = []
        for col, cell in zip(table.columns, row.cells):
            values += ["" if cell.mean is None else f"{cell.mean:.6g}",
                       "" if cell.std is None else f"{cell.std:.6g}",
                       cell.n if cell.mean is not None else "", cell.rank or ""]
        notes = " | ".join(f"{k}: {table.notes[k]}" for k in row.notes)
        settings = ";".join(h for h, mark in zip(table.extra_headers, row.extra) if mark)
        writer.writerow([table.number, i, row.model, row.label, row.family,
                         "derived" if row.derived else row.status, notes, row.profile, table.source,
                         table.dataset.get("label", ""), bool(table.dataset.get("synthetic")),
                         table.dataset.get("hash", ""), table.split.get("name", ""), table.split.get("hash", ""),
                         table.split.get("n_folds", ""),
                         "as printed (raw assumed)" if table.source == "paper" else table.plcc_kind,
                         settings] + values)
    return buf.getvalue()


RENDERERS = {"md": (to_markdown, "md"), "latex": (to_latex, "tex"), "csv": (to_csv, "csv")}
