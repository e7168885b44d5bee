"""Video-ChatGPT (7B), zero-shot (Table 1 and Table 2 row "Video-ChatGPT").

Method: Video-ChatGPT (Maaz et al., "Video-ChatGPT: Towards Detailed Video Understanding via Large Vision
and Language Models", ACL 2024, the paper's [47]): CLIP ViT-L/14 frame features averaged over time and
over space (100 temporal + 256 spatial tokens), a linear projection into LLaVA-7B (Lightening v1.1).

This implementation: no transformers class exists; the authors' `video_chatgpt` package (old LLaVA stack)
runs in its own Python behind the external-model protocol, mirroring the authors' `video_chatgpt_infer`
(server-side adapter `server/backends/video_chatgpt.py`), greedy instead of their temperature-0.2
sampling. Same weights as the paper's row. Licence: code CC BY 4.0; weights LLaMA licence
(non-commercial, via LLaVA-Lightening).
"""
from baselines.lmm.external import ExternalRow
from baselines.lmm.rows import Row
from bench.models import Requirements, register_model
from bench.weights import WeightSpec

ROW = Row(
    name="video_chatgpt", title="Video-ChatGPT (7B)", backend="external",
    checkpoint="MBZUAI/Video-ChatGPT-7B", paper_model="MBZUAI/Video-ChatGPT-7B",
    frames=100, frame_size=224,
    frames_why="the 100 frames at 224x224 of the authors' loader (its temporal tokens are padded to 100)",
    licence="code CC BY 4.0; weights LLaMA licence (non-commercial)",
    distortion=True, checkpoint_files=("video_chatgpt-7B.bin",),
    extra_weights=(WeightSpec("llm", "hf", "mmaaz60/LLaVA-7B-Lightening-v1-1", description="its LLaVA-7B base"),
                   WeightSpec("vision", "hf", "openai/clip-vit-large-patch14", description="its CLIP ViT-L/14")),
    setup=("git clone https://github.com/mbzuai-oryx/Video-ChatGPT",
           "python3.10 -m venv ~/envs/video-chatgpt && ~/envs/video-chatgpt/bin/pip install -r "
           "Video-ChatGPT/requirements.txt",
           "hf download MBZUAI/Video-ChatGPT-7B; hf download mmaaz60/LLaVA-7B-Lightening-v1-1; "
           "hf download openai/clip-vit-large-patch14",
           "pass --set repo=PATH/Video-ChatGPT (a CUDA GPU is required: the authors' loader uses it)"))


@register_model(ROW.name)
class VideoChatGPT(ExternalRow):
    row = ROW
    backend = "video_chatgpt"
    requirements = Requirements(gpu="required", packages=("numpy",))  # the authors' loader puts it on CUDA
