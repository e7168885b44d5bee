"""`bench leaderboard build`'s output folder: one page per profile, the plots it links, an index.

    OUT/index.html                       (html) links to every profile's board
    OUT/<profile>/index.html | board.md | board.tex
    OUT/<profile>/plots/<submission>/{srcc,scatter,saliency}.png      `bench plots` of each submission

Every file is written atomically; the pages link their plots by relative paths, so the folder can be
copied or served by any static file server (or opened from disk).
"""
from __future__ import annotations

import html
from pathlib import Path

from bench.io import atomic_write_text
from bench.leaderboard.board import SUBMISSIONS, Board
from bench.leaderboard.build import BoardPage
from bench.leaderboard.render import CSS, RENDERERS


def write_site(board: Board, pages: list[BoardPage], fmt: str, out: Path, plots: bool = True) -> list[Path]:
    render, filename = RENDERERS[fmt]
    written = []
    for page in pages:
        folder = Path(out) / page.profile
        if plots:
            _link_plots(board, page, folder)
        path = folder / filename
        atomic_write_text(path, render(page))
        written.append(path)
    if fmt == "html":
        links = "".join(f'<li><a href="{html.escape(p.profile)}/index.html">profile {html.escape(p.profile)}</a></li>'
                        for p in pages)
        title = f"Leaderboards: {board.doc['dataset']['label']}, split {board.doc['split']['name']}"
        index = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
                 f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title><style>{CSS}'
                 f'</style></head><body><h1>{html.escape(title)}</h1><ul>{links}</ul></body></html>\n')
        atomic_write_text(Path(out) / "index.html", index)
        written.append(Path(out) / "index.html")
    return written


def _link_plots(board: Board, page: BoardPage, folder: Path) -> None:
    """Draw each submission's `bench plots` once and point its rows at them."""
    from bench.plots.results import draw_plots

    drawn: dict[str, dict] = {}
    for section in page.sections:
        for row in section.rows:
            if row.reference:
                continue
            sub = row.key.split("/", 1)[0]
            if sub not in drawn:
                files = draw_plots(board.root / SUBMISSIONS / sub / "records", folder / "plots" / sub, formats=("png",))
                drawn[sub] = {f.stem: f.relative_to(folder).as_posix() for f in files}
            row.plots = dict(drawn[sub])
