"""Nothing real is lost: every sentence the cleaner kept before issue 17 is still kept.

tests/data/clean_shared_corpus_sentences.json holds, for each web copy in ../shared/corpus,
the sha256 of the input and a short hash of every sentence of the clean text produced by
the cleaner as it was before issue 17 (whitespace removed, split on 。！？；…). Hashes, not
text: the shared copies stay outside the repository. The test skips where the corpus is
absent, and for a file whose content is not the one the hashes were made from.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import shared_corpus_dir

from drafter.corpus.clean import clean_text
from drafter.text.sentences import split_sentences_keep as split_sentences

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "clean_shared_corpus_sentences.json"


def sentence_hashes(cleaned: str) -> list[str]:
    flat = re.sub(r"\s+", "", cleaned)
    return [_hash(s) for s in split_sentences(flat)]


def _hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode()).hexdigest()[:16]


def _golden() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(_golden()))
def test_every_sentence_of_the_earlier_clean_text_survives(name: str) -> None:
    folder = shared_corpus_dir()
    if folder is None or not (folder / name).is_file():
        pytest.skip("../shared/corpus not present")
    raw = (folder / name).read_bytes()
    golden = _golden()[name]
    if hashlib.sha256(raw).hexdigest() != golden["input_sha256"]:
        pytest.skip(f"{name} differs from the copy the sentence hashes were made from")
    cleaned = clean_text(raw.decode("utf-8"))
    now = set(sentence_hashes(cleaned))
    expected = golden["sentences"]
    assert isinstance(expected, list)
    flat = split_sentences(re.sub(r"\s+", "", cleaned))
    lost = [i for i, h in enumerate(expected) if h not in now]
    # On failure, show where the lost sentences were: the surviving sentences around them.
    context = {i: [s for s in flat if _hash(s) in expected[max(i - 1, 0) : i + 2]] for i in lost}
    assert not lost, f"{len(lost)} of {len(expected)} sentences lost; neighbours: {context}"
