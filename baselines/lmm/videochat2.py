"""VideoChat2 (7B), zero-shot (Table 1 and Table 2 row "VideoChat2 (7B)").

Method: VideoChat2 (Li et al., "MVBench: A Comprehensive Multi-modal Video Understanding Benchmark",
CVPR 2024; the paper cites VideoChat, its [38]): the UMT-L video encoder, a Q-Former bridge and an LLM
with LoRA, trained in three stages; 16 frames at 224x224 in the authors' evaluations.

This implementation: no transformers class exists; the authors' `video_chat2` code (Ask-Anything
repository) runs in its own Python behind the external-model protocol, mirroring the authors' Mistral
demo (server-side adapter `server/backends/videochat2.py`). The paper does not say which VideoChat2 it
evaluated; this row uses the stage-3 Mistral-7B model (`OpenGVLab/VideoChat2_stage3_Mistral_7B`), the
authors' recommended 7B release whose language model is on the hub (the original Vicuna release needs
Vicuna v0 delta weights). Licence: code MIT; weights as on the authors' model cards (Mistral-7B:
Apache-2.0).
"""
from baselines.lmm.external import ExternalRow
from baselines.lmm.rows import Row
from bench.models import register_model
from bench.weights import WeightSpec

ROW = Row(
    name="videochat2", title="VideoChat2 (7B)", backend="external",
    checkpoint="OpenGVLab/VideoChat2_stage3_Mistral_7B",
    paper_model="VideoChat2 7B (variant not named in the paper)",
    frames=16, frame_size=224,
    frames_why="the 16 frames at 224x224 of the authors' MVBench evaluation",
    licence="code MIT; weights per the authors' model cards (Mistral-7B Apache-2.0)",
    notes=("VideoChat2 stage-3 Mistral-7B: the paper names VideoChat2 (7B) without its language model",),
    distortion=True, checkpoint_files=("videochat2_mistral_7b_stage3.pth",),
    extra_weights=(
        WeightSpec("llm", "hf", "mistralai/Mistral-7B-Instruct-v0.2",
                   description="VideoChat2's language model (gated: accept its terms on the hub first)"),
        WeightSpec("stage2", "hf", "OpenGVLab/VideoChat2_stage2_Mistral_7B", files=("videochat2_mistral_7b_stage2.pth",),
                   description="the stage-2 model the stage-3 weights are loaded over")),
    setup=("git clone https://github.com/OpenGVLab/Ask-Anything",
           "python3.9 -m venv ~/envs/videochat2 && ~/envs/videochat2/bin/pip install -r "
           "Ask-Anything/video_chat2/requirements.txt",
           "hf download OpenGVLab/VideoChat2_stage3_Mistral_7B; hf download mistralai/Mistral-7B-Instruct-v0.2; "
           "hf download OpenGVLab/VideoChat2_stage2_Mistral_7B; and the stage-1 vision model umt_l16_qformer.pth "
           "from the link in Ask-Anything/video_chat2/README.md (not on the hub)",
           "set vit_blip_model_path (umt_l16_qformer.pth), mistral_model_path and videochat2_model_path (the "
           "stage-2 .pth) in Ask-Anything/video_chat2/configs/config_mistral.json, as the authors' README says",
           "pass --set repo=PATH/Ask-Anything/video_chat2"))


@register_model(ROW.name)
class VideoChat2(ExternalRow):
    row = ROW
    backend = "videochat2"
