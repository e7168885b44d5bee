"""Helpers shared by the in-process LMM code and the external-model server (standard library only).

The server runs inside another Python (the model's own pinned environment) that does not have this
package installed; it imports this file by path, so nothing here may import numpy, torch or `bench`.
"""
from __future__ import annotations

PROTOCOL_VERSION = 1


class LevelTokenError(ValueError):
    """A level word is not one token right after the answer prefix in this tokenizer."""


def level_token_ids(encode, prefix: str, words) -> list:
    """Token id of each of `words` (e.g. " good", with its leading space) as it follows `prefix`.

    `encode(text) -> list[int]` tokenizes without special tokens. A word's id is read from the
    tokenization of `prefix + word`, which must extend that of `prefix` by exactly one token: the
    next-token logit at the end of the prefix is then that word's logit. Tokenizers that merge the
    prefix's last characters with the word, or split the word, fail with a message naming the word.
    """
    head = list(encode(prefix))
    ids = []
    for word in words:
        full = list(encode(prefix + word))
        tail = full[len(head):]
        if full[:len(head)] != head or len(tail) != 1:
            raise LevelTokenError(
                f"level word {word!r} is not a single token after {prefix!r} in this tokenizer (it adds the "
                f"tokens {tail}); level-token scoring needs one token per level word: use the generation mode")
        ids.append(tail[0])
    if len(set(ids)) != len(ids):
        raise LevelTokenError(f"level words {list(words)} do not map to distinct tokens ({ids})")
    return ids


def join_answer(rendered: str, prefix: str) -> str:
    """`rendered` (a prompt ending with the assistant's turn marker) followed by the start of its answer.

    A space separates them unless the marker already ends in white space ("ASSISTANT:" + " The ...",
    "<|im_start|>assistant\\n" + "The ..."), as the model's own answers do.
    """
    return rendered + prefix if not rendered or rendered[-1].isspace() else rendered + " " + prefix


class Backend:
    """What a model's server-side adapter implements (one module per model in `server/backends/`).

    It runs in the model's own Python, imports the model's own code, and is created once per server:
    `checkpoint` is what to load (a folder or a repository id in the local Hugging Face cache), `options`
    the model-specific `--option key=value` pairs (strings). Frames are uint8 arrays (T, H, W, 3).
    """

    runs_downloaded_code = True  # the server refuses to load it without --trust-remote-code

    def __init__(self, checkpoint: str, device: str, dtype: str, options: dict):
        raise NotImplementedError

    def identity(self) -> dict:
        """{"checkpoint": ..., "revision": ... or None, ...}: recorded with every result."""
        raise NotImplementedError

    def encode(self, text: str) -> list:
        """Token ids of `text` without special tokens (level words are looked up with it)."""
        raise NotImplementedError

    def next_token_logits(self, frames, fps: float, prompt: str, answer_prefix: str):
        """The vocabulary's logits for the token after `answer_prefix`, at the start of the assistant's answer."""
        raise NotImplementedError

    def generate(self, frames, fps: float, prompt: str, max_new_tokens: int) -> str:
        """The greedy answer to `prompt`."""
        raise NotImplementedError


def option(options: dict, key: str, default=None, required: bool = False) -> str:
    """A backend option, or a clear error naming it when it is required and missing."""
    if key in options:
        return options[key]
    if required:
        raise ValueError(f"missing option {key!r}: pass --set options.{key}=VALUE (see the row's set-up steps)")
    return default


def revision_of(folder: str):
    """The commit hash of a folder laid out as the Hugging Face cache (`.../snapshots/<sha>`), else None."""
    import os

    parts = os.path.normpath(os.path.abspath(folder)).split(os.sep)
    return parts[-1] if len(parts) >= 2 and parts[-2] == "snapshots" else None


def local_snapshot(checkpoint: str) -> str:
    """A local folder for `checkpoint` (a folder, or a repository id found in the local cache, offline)."""
    import os

    if os.path.isdir(checkpoint):
        return checkpoint
    from huggingface_hub import snapshot_download

    return snapshot_download(checkpoint, local_files_only=True)
