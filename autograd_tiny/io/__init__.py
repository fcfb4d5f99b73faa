"""Files and other libraries: model files (JSON), safetensors, and the bridge to PyTorch.

Layer 3: below nn (whose save, load, to_torch and from_torch use it); it never imports nn.
"""
