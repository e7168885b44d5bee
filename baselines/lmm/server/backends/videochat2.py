"""VideoChat2 (Mistral-7B, stage 3) server-side adapter: the authors' `video_chat2` code (Ask-Anything).

Mirrors the authors' Mistral demo: the model built from `configs/config_mistral.json`, LoRA attached to
the language model and the stage-3 weights loaded over it; frames resized (short side 224, bicubic),
centre-cropped to 224 and normalised with CLIP's statistics; the vision encoder's position embedding
re-made for the clip's frame count with the authors' own function; the prompt in their Mistral
conversation layout "[INST] <Video><VideoHere></Video> [/INST] [INST] QUESTION [/INST]" with the video
embedding spliced in at <VideoHere>. Scoring reads the next-token logits with the answer's opening
appended (as their MVBench evaluation appends "Best option:("); generation is greedy.
"""
import os
import sys

from lmm_protocol import Backend as _Base
from lmm_protocol import join_answer, local_snapshot, option, revision_of

_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"]
_INSTRUCTION = "Watch the video and answer the question."  # the authors' query text for the video encoder


class Backend(_Base):
    runs_downloaded_code = True

    def __init__(self, checkpoint, device, dtype, options):
        import torch

        repo = option(options, "repo", required=True)  # .../Ask-Anything/video_chat2
        sys.path.insert(0, repo)
        from conversation import Chat
        from models import VideoChat2_it_mistral
        from peft import LoraConfig, TaskType, get_peft_model
        from utils.config import Config

        cfg = Config.from_file(option(options, "config", os.path.join(repo, "configs", "config_mistral.json")))
        cfg.model.vision_encoder.num_frames = 4  # the frame count the checkpoint's position embedding has
        model = VideoChat2_it_mistral(config=cfg.model)
        model.mistral_model = get_peft_model(model.mistral_model, LoraConfig(
            task_type=TaskType.CAUSAL_LM, inference_mode=False, r=16, lora_alpha=32, lora_dropout=0.0,
            target_modules=_LORA_TARGETS))
        folder = local_snapshot(checkpoint)
        weights = option(options, "weights") or os.path.join(folder, "videochat2_mistral_7b_stage3.pth")
        state = torch.load(weights, map_location="cpu")
        model.load_state_dict(state.get("model", state), strict=False)
        self.model, self.device, self.pos_table = model.to(device).eval(), device, Chat.get_sinusoid_encoding_table
        self.tokenizer = model.mistral_tokenizer
        self._identity = {"checkpoint": checkpoint, "revision": revision_of(folder), "path": folder,
                          "weights": weights, "class": "VideoChat2_it_mistral"}

    def identity(self):
        return dict(self._identity)

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def _embeddings(self, frames, prompt, answer_prefix=None):
        import torch
        import torchvision.transforms as T
        from PIL import Image
        from torchvision.transforms.functional import InterpolationMode

        tf = T.Compose([T.Resize(224, interpolation=InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize(_CLIP_MEAN, _CLIP_STD)])
        video = torch.stack([tf(Image.fromarray(f)) for f in frames]).unsqueeze(0).to(self.device)
        n = len(frames)
        # the authors' sinusoid table for n frames of 14x14 patches (the method does not use its instance)
        self.model.vision_encoder.encoder.pos_embed = self.pos_table(None, n_position=(224 // 16) ** 2 * n,
                                                                      cur_frame=n)
        text = f"[INST] <Video><VideoHere></Video> [/INST] [INST] {prompt} [/INST]"
        if answer_prefix is not None:
            text = join_answer(text, answer_prefix)
        before, after = text.split("<VideoHere>")
        embed = self.model.mistral_model.base_model.model.model.embed_tokens
        with torch.inference_mode():
            emb = self.model.encode_img(video, _INSTRUCTION)[0]
            if isinstance(emb, (list, tuple)):
                emb = torch.cat(list(emb), dim=1)
            head = self.tokenizer(before, return_tensors="pt", add_special_tokens=True).input_ids  # with BOS
            tail = self.tokenizer(after, return_tensors="pt", add_special_tokens=False).input_ids
            return torch.cat([embed(head.to(self.device)), emb, embed(tail.to(self.device))], dim=1)

    def next_token_logits(self, frames, fps, prompt, answer_prefix):
        import torch

        embs = self._embeddings(frames, prompt, answer_prefix)
        with torch.inference_mode():
            return self.model.mistral_model(inputs_embeds=embs).logits[0, -1].float().cpu().numpy()

    def generate(self, frames, fps, prompt, max_new_tokens):
        import torch

        embs = self._embeddings(frames, prompt)
        with torch.inference_mode():
            out = self.model.mistral_model.generate(inputs_embeds=embs, max_new_tokens=max_new_tokens, do_sample=False,
                                                    num_beams=1)
        return self.tokenizer.decode(out[0], skip_special_tokens=True).split("[/INST]")[-1].strip()
