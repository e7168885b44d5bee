"""MiniCPM-V 2.6 server-side adapter: the checkpoint's own hub code (transformers 4.40, trust_remote_code).

Follows the model card's video recipe: the frames as a list of images in one user turn, one
"(<image>./</image>)" placeholder per frame before the question, `use_image_id=False`, `max_slice_nums=2`.
Scoring reads the language model's logits on the embeddings the model's own `get_vllm_embedding` makes;
generation calls the model's own `generate` greedily (its `chat` has no greedy mode: it samples or beams).
"""
from lmm_protocol import Backend as _Base
from lmm_protocol import join_answer, local_snapshot, option, revision_of


class Backend(_Base):
    runs_downloaded_code = True

    def __init__(self, checkpoint, device, dtype, options):
        import torch
        from transformers import AutoModel, AutoProcessor, AutoTokenizer

        folder = local_snapshot(checkpoint)
        self.device = device
        self.max_slice_nums = int(option(options, "max_slice_nums", "2"))
        self.model = AutoModel.from_pretrained(folder, trust_remote_code=True, attn_implementation="sdpa",
                                               torch_dtype=getattr(torch, dtype)).eval().to(device)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
        self.processor = AutoProcessor.from_pretrained(folder, trust_remote_code=True)
        self._identity = {"checkpoint": checkpoint, "revision": revision_of(folder), "path": folder,
                          "class": type(self.model).__name__, "dtype": dtype}

    def identity(self):
        return dict(self._identity)

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _inputs(self, frames, prompt, answer_prefix=None):
        from PIL import Image

        images = [Image.fromarray(f) for f in frames]
        content = "\n".join(["(<image>./</image>)"] * len(images) + [prompt])
        text = self.processor.tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                                            add_generation_prompt=True)
        if answer_prefix is not None:
            text = join_answer(text, answer_prefix)
        inputs = self.processor([text], [images], max_slice_nums=self.max_slice_nums, use_image_id=False,
                                return_tensors="pt", max_length=8192).to(self.device)
        inputs.pop("image_sizes", None)
        inputs["pixel_values"] = [[img.to(self.device) for img in imgs] for imgs in inputs["pixel_values"]]
        return inputs

    def next_token_logits(self, frames, fps, prompt, answer_prefix):
        import torch

        inputs = self._inputs(frames, prompt, answer_prefix)
        with torch.inference_mode():
            embeds, _ = self.model.get_vllm_embedding(inputs)
            out = self.model.llm(inputs_embeds=embeds, attention_mask=inputs["attention_mask"])
        return out.logits[0, -1].float().cpu().numpy()

    def generate(self, frames, fps, prompt, max_new_tokens):
        import torch

        inputs = self._inputs(frames, prompt)
        with torch.inference_mode():
            texts = self.model.generate(**inputs, tokenizer=self.tokenizer, max_new_tokens=max_new_tokens,
                                        decode_text=True, do_sample=False, num_beams=1)
        return texts[0]
