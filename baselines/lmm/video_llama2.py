"""VideoLLaMA2 (7B), zero-shot (Table 1 row "Video-LLaMA2").

Method: VideoLLaMA 2 (Cheng et al., "VideoLLaMA 2: Advancing Spatial-Temporal Modeling and Audio
Understanding in Video-LLMs", arXiv:2406.07476, the paper's [8]): CLIP ViT-L/14-336 frame features, a
spatial-temporal convolution connector (STC) and Mistral-7B-Instruct; 8 frames per video.

This implementation: no transformers class exists; the authors' `videollama2` package pins an old stack
(torch 2.2, transformers 4.40-4.42, numpy 1.24), so it runs in its own Python behind the external-model
protocol, mirroring the authors' `mm_infer` (server-side adapter `server/backends/video_llama2.py`).
Same weights as the paper's row. Licence: code Apache-2.0; weights Apache-2.0 (Mistral-based).
"""
from baselines.lmm.external import ExternalRow
from baselines.lmm.rows import Row
from bench.models import register_model
from bench.weights import WeightSpec

ROW = Row(
    name="video_llama2", title="Video-LLaMA2 (7B)", backend="external",
    checkpoint="DAMO-NLP-SG/VideoLLaMA2-7B", paper_model="DAMO-NLP-SG/VideoLLaMA2-7B",
    frames=8, frame_size=336,
    frames_why="the 8 frames of the 7B model's config, at the 336-pixel size of its CLIP encoder",
    licence="code Apache-2.0; weights Apache-2.0",
    extra_weights=(WeightSpec("vision", "hf", "openai/clip-vit-large-patch14-336",
                              description="the CLIP ViT-L/14-336 its config names"),),
    setup=("git clone https://github.com/DAMO-NLP-SG/VideoLLaMA2 && cd VideoLLaMA2",
           "python3.10 -m venv ~/envs/videollama2 && ~/envs/videollama2/bin/pip install torch==2.2.0 "
           "torchvision==0.17.0 && ~/envs/videollama2/bin/pip install -r requirements.txt && "
           "~/envs/videollama2/bin/pip install -e .",
           "hf download DAMO-NLP-SG/VideoLLaMA2-7B; hf download openai/clip-vit-large-patch14-336 "
           "(the vision tower its config names)"))


@register_model(ROW.name)
class VideoLlama2(ExternalRow):
    row = ROW
    backend = "video_llama2"
