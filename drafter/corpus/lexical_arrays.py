"""Numpy structures of the lexical index: dictionary-encoded metadata columns, and the
merge of per-block postings into one CSR index.

Split from :mod:`drafter.corpus.lexical` to keep the index module to the index's API,
building, persistence and scoring.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from drafter.corpus.lexical_tokens import IntArray


class StrColumn:
    """A dictionary-encoded column of optional strings (codes + UTF-8 vocabulary blob)."""

    def __init__(
        self,
        codes: npt.NDArray[np.int32],
        blob: npt.NDArray[np.uint8],
        offsets: IntArray,
    ) -> None:
        self.codes = codes
        self._blob = blob.tobytes()
        self._offsets = offsets
        self._lookup: dict[str, int] | None = None

    @classmethod
    def encode(cls, values: Sequence[str | None]) -> StrColumn:
        vocab: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, value in enumerate(values):
            if value is None:
                codes[i] = -1
                continue
            code = vocab.get(value)
            if code is None:
                code = vocab[value] = len(vocab)
            codes[i] = code
        encoded = [v.encode("utf-8") for v in vocab]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(codes, blob, offsets)

    def arrays(self, name: str) -> dict[str, npt.NDArray[np.generic]]:
        return {
            f"col_{name}_codes": self.codes,
            f"col_{name}_blob": np.frombuffer(self._blob, dtype=np.uint8),
            f"col_{name}_offsets": self._offsets,
        }

    def value(self, row: int) -> str | None:
        code = int(self.codes[row])
        if code < 0:
            return None
        start, end = int(self._offsets[code]), int(self._offsets[code + 1])
        return self._blob[start:end].decode("utf-8")

    def code_of(self, value: str) -> int:
        """The code of ``value``, or -2 (matches no row) when no row holds it."""
        if self._lookup is None:
            n = len(self._offsets) - 1
            self._lookup = {
                self._blob[int(self._offsets[i]) : int(self._offsets[i + 1])].decode("utf-8"): i
                for i in range(n)
            }
        return self._lookup.get(value, -2)


def merge_blocks(
    key_parts: list[IntArray],
    row_parts: list[npt.NDArray[np.int32]],
    tf_parts: list[npt.NDArray[np.uint16]],
) -> tuple[IntArray, IntArray, npt.NDArray[np.int32], npt.NDArray[np.uint16]]:
    """Merge per-block postings into one CSR index (term_keys, indptr, rows, tfs).

    Each block's postings are sorted by (key, row) and blocks come in row order. Two passes
    with a counting sort place every posting directly in the output arrays, so peak memory
    stays near the size of the index instead of several copies of it; the blocks' arrays
    are released as they are placed (the lists are emptied).
    """
    if not key_parts:
        return (
            np.zeros(0, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.uint16),
        )

    def starts_of(sorted_values: IntArray) -> IntArray:
        change = np.empty(sorted_values.size, dtype=bool)
        change[:1] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=change[1:])
        return np.flatnonzero(change)

    vocab = np.unique(np.concatenate([k[starts_of(k)] for k in key_parts]))
    counts = np.zeros(vocab.size, dtype=np.int64)
    for keys in key_parts:
        counts += np.bincount(np.searchsorted(vocab, keys), minlength=vocab.size)
    indptr = np.zeros(vocab.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    total = int(indptr[-1])
    post_rows = np.empty(total, dtype=np.int32)
    post_tf = np.empty(total, dtype=np.uint16)
    cursor = indptr[:-1].copy()
    for _ in range(len(key_parts)):
        keys, rows, tfs = key_parts.pop(0), row_parts.pop(0), tf_parts.pop(0)
        ids = np.searchsorted(vocab, keys)
        starts = starts_of(ids)
        lengths = np.diff(np.append(starts, ids.size))
        within = np.arange(ids.size, dtype=np.int64) - np.repeat(starts, lengths)
        pos = cursor[ids] + within
        post_rows[pos] = rows
        post_tf[pos] = tfs
        cursor[ids[starts]] += lengths
    return vocab, indptr, post_rows, post_tf
