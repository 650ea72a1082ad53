"""Stock phrases mined from the user's store, and how the copy guard counts a copied run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.corpus.stock import documents_of, store_stock_phrases
from drafter.drafting.guards import copied_run, copy_problems
from drafter.models import StoredChunk

FORMULA = "坚持以习近平新时代中国特色社会主义思想为指导"


def chunk(doc: str, position: int, text: str) -> StoredChunk:
    return StoredChunk(
        id=f"{doc}-{position}", text=text, doc_id=doc, source=doc, heading_path="",
        kind="opening", position=position,
    )  # fmt: skip


class FakeStore:
    def __init__(self, root: Path, chunks: list[StoredChunk], revision: int = 7) -> None:
        self.root, self.chunks, self.rev, self.reads = root, chunks, revision, 0

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]:
        self.reads += 1
        return iter(self.chunks)

    def revision(self) -> int:
        return self.rev

    @property
    def lexical_cache_dir(self) -> Path:
        return self.root


def test_documents_are_rebuilt_from_their_chunks_in_order() -> None:
    chunks = [chunk("a", 1, "乙"), chunk("b", 0, "丙"), chunk("a", 0, "甲")]
    assert sorted(documents_of(chunks)) == ["丙", "甲\n乙"]


def test_the_store_s_shared_wording_is_mined_once_per_revision(tmp_path: Path) -> None:
    chunks = [
        chunk("a", 0, f"2024年，县科技局{FORMULA}，扎实推进各项工作。"),
        chunk("b", 0, f"今年以来，区科技局{FORMULA}，聚焦企业培育。"),
        chunk("c", 0, f"2023年，我局{FORMULA}，全力服务发展大局。"),
        chunk("d", 0, "全年新增高新技术企业15家，完成年度目标的105%。"),
    ]
    store = FakeStore(tmp_path, chunks)
    phrases = store_stock_phrases(store)
    assert FORMULA[:12] in phrases and FORMULA[-12:] in phrases
    assert not any("高新技术企业" in p for p in phrases)  # one document only
    assert store_stock_phrases(store) == phrases and store.reads == 1  # cached
    store.rev = 8
    store_stock_phrases(store)
    assert store.reads == 2  # a changed store is mined again


@pytest.mark.parametrize(
    ("text", "own", "copied"),
    [
        # the bureau's own leadership line is the task's: what is left is under 12 characters
        ("新的一年，县科技局将在县委、县政府的坚强领导下，坚定信心。", "在县委、县政府的坚强领导下", False),
        ("新的一年，县科技局将在县委、县政府的坚强领导下，坚定信心。", "", True),
        # a long copy around the own words is still a copy
        ("新的一年，县科技局将进一步解放思想、真抓实干，以更加务实的作风推动工作。", "县科技局", True),
        ("我们将锐意进取，推动科技工作再上新台阶。", "", False),
    ],
)  # fmt: skip
def test_own_words_do_not_count_toward_a_copied_run(text: str, own: str, copied: bool) -> None:
    exemplar = (
        "新的一年，县科技局将在县委、县政府的坚强领导下，进一步解放思想、真抓实干，"
        "以更加务实的作风推动各项科技工作。"
    )
    assert bool(copied_run(text, exemplar, own=own, stock=frozenset())) is copied


def test_the_store_s_stock_phrases_are_no_copy() -> None:
    exemplar = f"2024年，县科技局{FORMULA}，扎实推进各项工作。"
    text = f"我局{FORMULA}，统筹推进科技创新。"
    assert copy_problems(text, [exemplar])
    stock = frozenset({FORMULA[i : i + 12] for i in range(len(FORMULA) - 11)})
    assert copy_problems(text, [exemplar], extra_stock=stock) == []
