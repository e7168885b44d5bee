"""Run profiles: how long models train and how large their inputs are.

`paper` is section 5.1's protocol (5 folds, 50 epochs, Adam lr 1e-4, batch 8, 224x224 frames;
saliency networks 30 epochs with early stopping). `quick` is a declared, lighter profile for a
machine without a GPU: same folds and data, fewer epochs and smaller inputs. Every result
records its profile and settings; tables show the profile.
"""
from __future__ import annotations

from bench.errors import ConfigError

PROFILES = {
    "paper": {"folds": 5, "epochs": 50, "saliency_epochs": 30, "early_stopping": True, "lr": 1e-4,
              "batch_size": 8, "input_size": 224, "frames": 8},
    "quick": {"folds": 5, "epochs": 2, "saliency_epochs": 2, "early_stopping": False, "lr": 1e-4,
              "batch_size": 8, "input_size": 112, "frames": 8},
}


def profile_settings(name: str) -> dict:
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}: choose from {', '.join(PROFILES)}")
    return dict(PROFILES[name])


def default_profile(device: str) -> str:
    return "paper" if device == "cuda" else "quick"
