"""A fake external model for the protocol tests: numpy only, deterministic, with switchable failures.

The server loads it by path (`--backend tests/lmm/fake_backend.py`). Its tokenizer maps words (with
their leading space) to ids; its next-token logits give level word k (bad=0 .. excellent=4) the value
k * mean(frames) / 255 and every other token -5, so a test can compute the expected score by hand.
Options: fail_load=1, noisy=1 (prints to stdout, which must not reach the protocol), crash_on=OP
(the process exits), hang_on=OP (sleeps), fail_on=OP (raises), with OP "score" or "generate".
"""
import os
import re
import sys
import time

from lmm_protocol import Backend as _Base

LEVELS = ("bad", "poor", "fair", "good", "excellent")
VOCAB = {w: i for i, w in enumerate(["<unk>", " The", " quality", " authenticity", " of", " the", " human", " face",
                                     " in", " this", " video", " is", "The"] + [" " + lv for lv in LEVELS])}
LEVEL_IDS = [VOCAB[" " + lv] for lv in LEVELS]


class Backend(_Base):
    runs_downloaded_code = True  # like every real backend: the server must be given the opt-in

    def __init__(self, checkpoint, device, dtype, options):
        self.options = options
        if options.get("noisy"):
            print("fake model: loading weights (a print on stdout)")
        if options.get("fail_load"):
            raise RuntimeError("fake model: weights file is corrupt")
        self.checkpoint, self.device, self.dtype = checkpoint, device, dtype

    def identity(self):
        return {"checkpoint": self.checkpoint, "revision": "0" * 40, "class": "FakeExternalModel",
                "dtype": self.dtype}

    def encode(self, text):
        return [VOCAB.get(tok, 0) for tok in re.findall(r" ?\S+", text)]

    def _misbehave(self, op):
        if self.options.get("noisy"):
            print(f"fake model: answering {op}")
        if self.options.get("crash_on") == op:
            sys.stderr.write("fake model: segmentation fault (simulated)\n")
            sys.stderr.flush()
            os._exit(3)
        if self.options.get("hang_on") == op:
            time.sleep(60)
        if self.options.get("fail_on") == op:
            raise ValueError(f"fake model: cannot {op} this clip")

    def next_token_logits(self, frames, fps, prompt, answer_prefix):
        import numpy as np

        self._misbehave("score")
        logits = np.full(len(VOCAB), -5.0)
        logits[LEVEL_IDS] = np.arange(len(LEVELS)) * frames.mean() / 255.0
        return logits

    def generate(self, frames, fps, prompt, max_new_tokens):
        self._misbehave("generate")
        if "categories" in prompt:
            return "Eye Distortions, Hair Distortions"
        level = "good" if frames.mean() > 127 else "poor"
        return f"The video looks {level} to me ({len(frames)} frames at {fps:g} fps)."
