"""`python cli_with_fakes.py ARGS` = `bench ARGS` with the tests' t_* models registered."""
import sys

import tests.core.fake_models  # noqa: F401
from bench.cli import main

sys.exit(main(sys.argv[1:]))
