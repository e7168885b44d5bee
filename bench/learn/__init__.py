"""What every learned family shares: the torch training loop (`loop`), the `TorchModel` base class
(`torch_model`), and tiny Hugging Face models built offline for the CPU path and tests (`tiny_hf`).
Importing this package needs torch; the rest of the harness does not."""
