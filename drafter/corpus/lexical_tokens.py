"""Tokens and term keys of the lexical index: folding, char 1–2-grams and ASCII runs,
their 64-bit keys, vectorised per block for building and weighted for a query.

Split from :mod:`drafter.corpus.lexical` (which documents the token rules and the key
layout) so the index module holds the index itself: building, persistence and scoring.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from drafter.models import StoredChunk

__all__ = [
    "FloatArray",
    "IntArray",
    "block_keys",
    "indexed_text",
    "query_terms",
    "token_key",
    "tokenize",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_BIGRAM_FLAG = 1 << 42
_ASCII_FLAG = 1 << 43
_ASCII_HASH_MASK = (1 << 43) - 1

_CJK_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN_RUN = re.compile(f"[{_CJK_CLASS}]+|[A-Za-z0-9]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")

# Characters whose NFKC form matters for matching: full-width letters/digits (Ａ１), CJK
# compatibility ideographs, Kangxi and supplementary radicals (PDF extraction yields 「⼯」
# for 工), enclosed alphanumerics and ideographs (①, ㈠, ㊀). Folding only these, instead of
# NFKC on every passage, keeps tokenisation cheap: NFKC of whole texts dominated build time.
_FOLD_RANGES = (
    (0xFF10, 0xFF19),
    (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
    (0x2E80, 0x2FDF),
    (0x2460, 0x24FF),
    (0x3200, 0x32FF),
)


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp):
                table[cp] = folded
    return table


_FOLD = _fold_table()
_FOLD_RE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _FOLD_RANGES) + "]")


def _normalise(text: str) -> str:
    """Fold full-width letters/digits and compatibility forms of CJK characters (NFKC)."""
    return text.translate(_FOLD) if _FOLD_RE.search(text) else text


def _is_cjk(cps: IntArray) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = (
        ((cps >= 0x4E00) & (cps <= 0x9FFF))
        | ((cps >= 0x3400) & (cps <= 0x4DBF))
        | ((cps >= 0xF900) & (cps <= 0xFAFF))
        | ((cps >= 0x20000) & (cps <= 0x3134F))
        | (cps == 0x3007)
    )
    return mask


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` in reading order.

    Each CJK character, followed by the bigram it starts (when the next character is CJK
    too); each ASCII letter/digit run lowercased; punctuation and other characters
    dropped. ``tokenize("科技局2023年GDP")`` is
    ``["科", "科技", "技", "技局", "局", "2023", "年", "gdp"]``.
    """
    out: list[str] = []
    for match in _TOKEN_RUN.finditer(_normalise(text)):
        run = match.group()
        if run[0].isascii():
            out.append(run.lower())
            continue
        for i, ch in enumerate(run):
            out.append(ch)
            if i + 1 < len(run):
                out.append(run[i : i + 2])
    return out


def _ascii_key(token: str) -> int:
    digest = hashlib.blake2b(token.encode("ascii"), digest_size=8).digest()
    return _ASCII_FLAG | (int.from_bytes(digest, "little") & _ASCII_HASH_MASK)


def token_key(token: str) -> int:
    """The integer key of one token as produced by :func:`tokenize`."""
    if token.isascii():
        return _ascii_key(token)
    if len(token) == 1:
        return ord(token)
    return _BIGRAM_FLAG | (ord(token[0]) << 21) | ord(token[1])


def block_keys(
    texts: Sequence[str], ascii_cache: dict[str, int]
) -> tuple[IntArray, IntArray, IntArray]:
    """Token keys of a block of texts, vectorised.

    Returns (keys, rows, lengths): the key of every token occurrence, the row (index into
    ``texts``) it occurs in, and each text's token count.
    """
    norm = [_normalise(t) for t in texts]
    n = len(norm)
    lens = np.fromiter((len(s) for s in norm), dtype=np.int64, count=n)
    # One separator after each text: it is not CJK, so no bigram spans two texts.
    joined = "\n".join(norm) + "\n"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    row_of_char = np.repeat(np.arange(n, dtype=np.int64), lens + 1)
    cjk = _is_cjk(cps)
    uni_keys = cps[cjk]
    uni_rows = row_of_char[cjk]
    pair = cjk[:-1] & cjk[1:]
    bi_keys = _BIGRAM_FLAG | (cps[:-1][pair] << 21) | cps[1:][pair]
    bi_rows = row_of_char[:-1][pair]

    ascii_keys: list[int] = []
    ascii_counts = np.zeros(n, dtype=np.int64)
    for row, s in enumerate(norm):
        found = _ASCII_RUN.findall(s)
        if not found:
            continue
        ascii_counts[row] = len(found)
        for tok in found:
            key = ascii_cache.get(tok)
            if key is None:
                key = _ascii_key(tok.lower())
                ascii_cache[tok] = key
            ascii_keys.append(key)
    as_keys = np.array(ascii_keys, dtype=np.int64)
    as_rows = np.repeat(np.arange(n, dtype=np.int64), ascii_counts)

    keys = np.concatenate([uni_keys, bi_keys, as_keys])
    rows = np.concatenate([uni_rows, bi_rows, as_rows])
    lengths = np.bincount(rows, minlength=n).astype(np.int64)
    return keys, rows, lengths


def query_terms(query: str, unigram_weight: float) -> tuple[IntArray, FloatArray]:
    """Distinct token keys of a query (sorted) and the weight of each.

    A token's weight is the number of times it occurs in the query, except that a single
    character inside a longer CJK run counts ``unigram_weight`` per occurrence (a
    one-character query word keeps full weight).
    """
    tokens: list[int] = []
    weights: list[float] = []
    for match in _TOKEN_RUN.finditer(_normalise(query)):
        run = match.group()
        if run[0].isascii():
            tokens.append(_ascii_key(run.lower()))
            weights.append(1.0)
            continue
        uni = 1.0 if len(run) == 1 else unigram_weight
        for i, ch in enumerate(run):
            tokens.append(ord(ch))
            weights.append(uni)
            if i + 1 < len(run):
                tokens.append(_BIGRAM_FLAG | (ord(ch) << 21) | ord(run[i + 1]))
                weights.append(1.0)
    if not tokens:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    keys = np.array(tokens, dtype=np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    w = np.bincount(inverse, weights=np.array(weights), minlength=uniq.size).astype(np.float64)
    keep = w > 0
    return uniq[keep], w[keep]


def indexed_text(chunk: StoredChunk) -> str:
    """The text a chunk is indexed under: its heading path, then its text."""
    return f"{chunk.heading_path}\n{chunk.text}" if chunk.heading_path else chunk.text
