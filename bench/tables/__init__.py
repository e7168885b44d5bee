"""The paper's Tables 1-5 from result records: build (`build`), render (`render`), compare (`compare`).

`bench tables` and `bench compare` are wired from `bench.tables.cli`.
"""
from bench.tables.build import Table, build_table, build_tables
from bench.tables.compare import compare
from bench.tables.render import latex_document, to_csv, to_latex, to_markdown
from bench.tables.sources import load_paper, load_runs

__all__ = ["Table", "build_table", "build_tables", "compare", "latex_document", "load_paper", "load_runs",
           "to_csv", "to_latex", "to_markdown"]
