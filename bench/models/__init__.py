"""Model interface and registry: `from bench.models import Model, Prediction, register_model`."""
from bench.models.base import FAMILIES, TASKS, Model, Prediction, Requirements, RunContext
from bench.models.registry import create_model, list_models, register_model, resolve_models

__all__ = ["FAMILIES", "TASKS", "Model", "Prediction", "Requirements", "RunContext",
           "create_model", "list_models", "register_model", "resolve_models"]
