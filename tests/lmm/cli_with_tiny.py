"""`python -m tests.lmm.cli_with_tiny ARGS` = `bench ARGS` with the test-only tiny LMM rows registered."""
import sys

import tests.lmm.tiny_rows  # noqa: F401
from bench.cli import main

sys.exit(main(sys.argv[1:]))
