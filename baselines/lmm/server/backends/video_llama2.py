"""VideoLLaMA2 server-side adapter: the authors' `videollama2` package (their repository, pinned stack).

Mirrors the authors' `videollama2.mm_infer` for a video: `model_init` loads the model and its frame
processor, the video placeholder precedes the question in one user turn, Mistral-based models get the
LLaMA-2 system message `mm_infer` adds, and `tokenizer_multimodal_token` tokenizes. Scoring runs the
model's forward on the same inputs with the answer's opening appended; generation is greedy.
"""
import sys

from lmm_protocol import Backend as _Base
from lmm_protocol import join_answer, local_snapshot, option, revision_of

# The system message videollama2.mm_infer gives Mistral-based VideoLLaMA2 models (LLaMA-2's default).
_LLAMA2_SYSTEM = (
    "<<SYS>>\nYou are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while "
    "being safe.  Your answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or "
    "illegal content. Please ensure that your responses are socially unbiased and positive in nature.\nIf a "
    "question does not make any sense, or is not factually coherent, explain why instead of answering something "
    "not correct. If you don't know the answer to a question, please don't share false information.\n<</SYS>>")


class Backend(_Base):
    runs_downloaded_code = True

    def __init__(self, checkpoint, device, dtype, options):
        repo = option(options, "repo")
        if repo:  # a clone of the authors' repository, when `pip install -e` was not used
            sys.path.insert(0, repo)
        from videollama2 import model_init
        from videollama2.constants import DEFAULT_VIDEO_TOKEN

        folder = local_snapshot(checkpoint)
        self.device, self.video_token = device, DEFAULT_VIDEO_TOKEN
        # the authors' loader fixes float16
        self.model, self.processor, self.tokenizer = model_init(folder, device=device)
        self._identity = {"checkpoint": checkpoint, "revision": revision_of(folder), "path": folder,
                          "class": type(self.model).__name__, "dtype": "float16"}

    def identity(self):
        return dict(self._identity)

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _inputs(self, frames, prompt, answer_prefix=None):
        from videollama2.mm_utils import tokenizer_multimodal_token

        message = [{"role": "user", "content": self.video_token + "\n" + prompt}]
        if self.model.config.model_type in ("videollama2", "videollama2_mistral", "videollama2_mixtral"):
            message = [{"role": "system", "content": _LLAMA2_SYSTEM}] + message
        text = self.tokenizer.apply_chat_template(message, tokenize=False, add_generation_prompt=True)
        if answer_prefix is not None:
            text = join_answer(text, answer_prefix)
        ids = tokenizer_multimodal_token(text, self.tokenizer, self.video_token, return_tensors="pt")
        ids = ids.unsqueeze(0).long().to(self.device)
        video = self.processor["video"](frames).half().to(self.device)
        return ids, ids.ne(self.tokenizer.pad_token_id).long(), [(video, "video")]

    def next_token_logits(self, frames, fps, prompt, answer_prefix):
        import torch

        ids, mask, images = self._inputs(frames, prompt, answer_prefix)
        with torch.inference_mode():
            logits = self.model(ids, attention_mask=mask, images=images).logits
        return logits[0, -1].float().cpu().numpy()

    def generate(self, frames, fps, prompt, max_new_tokens):
        import torch

        ids, mask, images = self._inputs(frames, prompt)
        with torch.inference_mode():
            out = self.model.generate(ids, attention_mask=mask, images=images, do_sample=False,
                                      max_new_tokens=max_new_tokens, use_cache=True,
                                      pad_token_id=self.tokenizer.eos_token_id)
        return self.tokenizer.batch_decode(out, skip_special_tokens=True)[0].strip()
