"""The leaderboard: verified submissions, bootstrap intervals, rank groups, a static HTML board.

- `submission.pack(run_dir, out)`: a run -> a data-only .tar.gz (`bench leaderboard pack`);
- `Board.init(board, dataset, split)` / `Board.open(board)`; `Board.add(archive_or_run)` checks a
  submission (safe unpacking, dataset and split hashes, every fold, every metric recomputed from the
  per-sample predictions against the board's own ground truth) and accepts it atomically;
- `build.build_pages(board)` -> pages with intervals, rank groups and breakdowns (`stats` states the
  method); `render` writes them as Markdown, LaTeX or HTML; `site.write_site` lays out the folder.

The board folder format is documented in `bench.leaderboard.board`, the archive format in
`bench.leaderboard.archive`, the statistics in `bench.leaderboard.stats`.
"""
from bench.leaderboard.archive import ArchiveError, Limits
from bench.leaderboard.board import Board, is_board
from bench.leaderboard.submission import pack
from bench.leaderboard.verify import TOLERANCE, Rejected

__all__ = ["ArchiveError", "Board", "Limits", "Rejected", "TOLERANCE", "is_board", "pack"]
