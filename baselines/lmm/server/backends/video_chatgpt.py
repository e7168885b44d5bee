"""Video-ChatGPT (7B) server-side adapter: the authors' `video_chatgpt` package (their repository).

Mirrors the authors' `video_chatgpt_infer`: `initialize_model` loads LLaVA-7B-Lightening-v1-1 with the
Video-ChatGPT projection and the CLIP ViT-L/14 tower; frame features are CLIP's penultimate layer without
the class token, averaged over time (100 temporal tokens, zero-padded) and over space (256 spatial tokens);
the question is followed by <vid_start>, 356 <vid_patch> tokens and <vid_end> in the "video-chatgpt_v1"
conversation. Scoring runs the model's forward with the answer's opening appended; generation is greedy
(the authors sample at temperature 0.2).
"""
import os
import sys

from lmm_protocol import Backend as _Base
from lmm_protocol import join_answer, local_snapshot, option, revision_of


class Backend(_Base):
    runs_downloaded_code = True

    def __init__(self, checkpoint, device, dtype, options):
        repo = option(options, "repo")
        if repo:  # a clone of the authors' repository, when it is not on PYTHONPATH
            sys.path.insert(0, repo)
        from video_chatgpt.eval.model_utils import initialize_model

        folder = local_snapshot(checkpoint)
        base = local_snapshot(option(options, "base", "mmaaz60/LLaVA-7B-Lightening-v1-1"))
        projection = option(options, "projection") or os.path.join(folder, "video_chatgpt-7B.bin")
        # the authors' loader: float16, on the GPU
        (self.model, self.vision_tower, self.tokenizer, self.image_processor,
         self.video_token_len) = initialize_model(base, projection)
        self._identity = {"checkpoint": checkpoint, "revision": revision_of(folder), "path": folder,
                          "base": base, "base_revision": revision_of(base), "projection": projection,
                          "dtype": "float16", "device": "cuda"}

    def identity(self):
        return dict(self._identity)

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _inputs(self, frames, prompt, answer_prefix=None):
        import torch
        from PIL import Image
        from video_chatgpt.inference import (DEFAULT_VID_END_TOKEN, DEFAULT_VID_START_TOKEN,
                                             DEFAULT_VIDEO_PATCH_TOKEN, get_spatio_temporal_features_torch)
        from video_chatgpt.video_conversation import SeparatorStyle, conv_templates

        question = (prompt + "\n" + DEFAULT_VID_START_TOKEN + DEFAULT_VIDEO_PATCH_TOKEN * self.video_token_len
                    + DEFAULT_VID_END_TOKEN)
        conv = conv_templates["video-chatgpt_v1"].copy()
        conv.append_message(conv.roles[0], question)
        conv.append_message(conv.roles[1], None)
        text = conv.get_prompt()
        if answer_prefix is not None:
            text = join_answer(text, answer_prefix)
        ids = torch.as_tensor(self.tokenizer([text]).input_ids).cuda()
        pixels = self.image_processor.preprocess([Image.fromarray(f) for f in frames], return_tensors="pt")
        with torch.inference_mode():
            hidden = self.vision_tower(pixels["pixel_values"].half().cuda(), output_hidden_states=True).hidden_states
            features = get_spatio_temporal_features_torch(hidden[-2][:, 1:]).unsqueeze(0)
        stop = conv.sep if conv.sep_style != SeparatorStyle.TWO else conv.sep2
        return ids, features, stop

    def next_token_logits(self, frames, fps, prompt, answer_prefix):
        import torch

        ids, features, _ = self._inputs(frames, prompt, answer_prefix)
        with torch.inference_mode():
            logits = self.model(input_ids=ids, video_spatio_temporal_features=features).logits
        return logits[0, -1].float().cpu().numpy()

    def generate(self, frames, fps, prompt, max_new_tokens):
        import torch
        from video_chatgpt.model.utils import KeywordsStoppingCriteria

        ids, features, stop = self._inputs(frames, prompt)
        with torch.inference_mode():
            out = self.model.generate(ids, video_spatio_temporal_features=features, do_sample=False,
                                      max_new_tokens=max_new_tokens,
                                      stopping_criteria=[KeywordsStoppingCriteria([stop], self.tokenizer, ids)])
        text = self.tokenizer.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)[0].strip()
        return text[:-len(stop)].strip() if stop and text.endswith(stop) else text
