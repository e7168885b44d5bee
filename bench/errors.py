"""Errors a user can act on. The CLI prints them as one line, never a traceback."""


class BenchError(Exception):
    """Base class: a message that names the file and the problem."""


class DataError(BenchError):
    """A dataset, manifest, label, video or map is missing or malformed."""


class ModelUnavailable(BenchError):
    """A model cannot run here (missing weights, GPU, package); the message says what to do."""


class ConfigError(BenchError):
    """A command-line option, model name or config value is wrong."""
