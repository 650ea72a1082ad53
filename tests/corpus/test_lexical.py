"""The char 1–2-gram BM25 index: tokens, scoring, filters, persistence and atomic writes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafter.corpus import lexical, lexical_tokens
from drafter.corpus.lexical import (
    K1,
    QUERY_UNIGRAM_WEIGHT,
    B,
    LexicalIndex,
    clear_cache,
    index_path,
)
from drafter.corpus.lexical_tokens import indexed_text, tokenize
from drafter.errors import InputError, StoreError
from drafter.models import StoredChunk


def make_chunk(
    i: int,
    text: str,
    *,
    doc: str | None = None,
    kind: str = "achievements",
    bureau: str | None = "科技局",
    year: int | None = 2023,
    heading: str = "",
) -> StoredChunk:
    return StoredChunk(
        id=f"c{i}",
        text=text,
        doc_id=doc or f"d{i}",
        source=f"/src/{doc or i}.txt",
        heading_path=heading,
        kind=kind,
        position=i,
        year=year,
        bureau=bureau,
        region="示例县",
        period="annual",
        title=f"标题{i}",
        region_level="county",
    )


CORPUS = [
    make_chunk(0, "全年选派科技特派员92名，开展农业技术指导，培训农民3900余人次。"),
    make_chunk(1, "全年完成专利申请586件，其中发明专利申请131件，知识产权质押融资3100万元。"),
    make_chunk(2, "存在的问题：企业创新投入不均衡，高端人才引进难度较大。", kind="problems"),
    make_chunk(3, "县科技企业孵化器毕业企业6家，南塘镇众创空间获批市级众创空间。", year=2024),
    make_chunk(4, "组织科技活动周、全国科普日等科普活动142场次。", bureau="科学技术局"),
    make_chunk(5, "深入开展党纪学习教育，落实全面从严治党主体责任。", year=None, bureau=None),
    make_chunk(6, "下一步将完善科技人才引进政策，扩大农业科技示范基地辐射范围。", kind="plan"),
]


# --------------------------------------------------------------------------- tokens


def test_tokenize_chars_and_adjacent_pairs() -> None:
    assert tokenize("科技局") == ["科", "科技", "技", "技局", "局"]


def test_tokenize_ascii_runs_are_lowercased_whole_tokens() -> None:
    assert tokenize("科技局2023年GDP") == ["科", "科技", "技", "技局", "局", "2023", "年", "gdp"]
    assert tokenize("5G基站") == ["5g", "基", "基站", "站"]


def test_tokenize_drops_punctuation_and_breaks_pairs_at_it() -> None:
    assert tokenize("专利，商标。") == ["专", "专利", "利", "商", "商标", "标"]
    assert tokenize("知识 产权") == ["知", "知识", "识", "产", "产权", "权"]
    assert tokenize("“科技”——（一）！？") == ["科", "科技", "技", "一"]
    assert tokenize("") == []
    assert tokenize(" ，。、 ") == []


def test_tokenize_folds_full_width_and_compatibility_forms() -> None:
    assert tokenize("ＡＢ１２") == ["ab12"]
    assert tokenize("⼯作") == tokenize("工作")  # Kangxi radical from PDF extraction
    assert tokenize("二〇二三") == ["二", "二〇", "〇", "〇二", "二", "二三", "三"]


def test_tokenize_drops_other_scripts() -> None:
    assert tokenize("café αβ 科") == ["caf", "科"]


_ALPHABET = st.sampled_from(list("科技局专利知识产权的在 ，。、（）ABCabc0129Ａ１⼯〇\n-"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=6))
def test_vectorised_block_tokens_match_reference(texts: list[str]) -> None:
    keys, rows, lengths = lexical_tokens.block_keys(texts, {})
    for row, text in enumerate(texts):
        expected = Counter(lexical_tokens.token_key(t) for t in tokenize(text))
        got = Counter(keys[rows == row].tolist())
        assert got == expected
        assert lengths[row] == len(tokenize(text))


# --------------------------------------------------------------------------- BM25


def reference_bm25(
    chunks: list[StoredChunk], query: str, unigram_weight: float = 1.0
) -> list[float]:
    """Textbook BM25 over the same tokens, one document at a time.

    Single characters of multi-character query words count ``unigram_weight``.
    """
    qterms: list[tuple[str, float]] = []
    for word in query.split():
        for term in tokenize(word):
            is_inner_char = len(term) == 1 and not term.isascii() and len(word) > 1
            qterms.append((term, unigram_weight if is_inner_char else 1.0))
    docs = [Counter(tokenize(indexed_text(c))) for c in chunks]
    lens = [sum(d.values()) for d in docs]
    avgdl = sum(lens) / len(lens)
    n = len(docs)
    out = []
    for d, dl in zip(docs, lens, strict=True):
        s = 0.0
        for term, weight in qterms:
            tf = d.get(term, 0)
            if not tf:
                continue
            df = sum(1 for x in docs if term in x)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += weight * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
        out.append(s)
    return out


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(CORPUS, revision=7)


@pytest.mark.parametrize(
    "query", ["科技特派员", "知识产权 专利", "孵化器 众创空间", "科技", "GDP", "3100万元"]
)
def test_scores_equal_textbook_bm25(index: LexicalIndex, query: str) -> None:
    np.testing.assert_allclose(
        index.scores(query, unigram_weight=1.0), reference_bm25(CORPUS, query), rtol=1e-9
    )
    np.testing.assert_allclose(
        index.scores(query),
        reference_bm25(CORPUS, query, QUERY_UNIGRAM_WEIGHT),
        rtol=1e-9,
    )


def test_query_words_count_more_than_their_scattered_characters() -> None:
    chunks = [
        make_chunk(0, "今年以来推动专利工作取得新进展，围绕中心服务大局，各项工作成效明显。"),
        make_chunk(1, "专项资金利用效率提高，专班推进，利企惠民。"),
        make_chunk(2, "全年开展科普活动多场次。"),
        make_chunk(3, "组织召开科技工作会议。"),
        make_chunk(4, "深入开展调查研究。"),
        make_chunk(5, "加强人才队伍建设。"),
    ]
    idx = LexicalIndex.build(chunks)
    assert idx.search("专利")[0][0].id == "c0"
    # Textbook BM25 over char 1–2-grams lets the scattered 专 and 利 win.
    textbook = idx.scores("专利", unigram_weight=1.0)
    assert textbook[1] > textbook[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("科技特派员", "c0"),
        ("知识产权 专利", "c1"),
        ("存在问题", "c2"),
        ("孵化器 众创空间", "c3"),
        ("科普", "c4"),
        ("党纪学习", "c5"),
    ],
)
def test_chunk_with_the_query_words_ranks_first(
    index: LexicalIndex, query: str, expected: str
) -> None:
    hits = index.search(query, n=3)
    assert hits[0][0].id == expected
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_only_matching_chunks_are_returned(index: LexicalIndex) -> None:
    assert index.search("xyz") == []
    assert index.search("，。") == []
    assert len(index.search("科技", n=2)) == 2


def test_headings_are_indexed() -> None:
    chunks = [
        make_chunk(0, "全年申请发明专利131件。", heading="一、工作成效 > （二）知识产权工作"),
        make_chunk(1, "全年开展科普活动142场次。", heading="一、工作成效 > （三）科学普及"),
    ]
    idx = LexicalIndex.build(chunks)
    assert idx.search("知识产权")[0][0].id == "c0"


def test_filters_are_exact_matches(index: LexicalIndex) -> None:
    assert [c.id for c, _ in index.search("科技", kind="plan")] == ["c6"]
    assert {c.id for c, _ in index.search("科", year=2024)} == {"c3"}
    assert {c.id for c, _ in index.search("科", bureau="科学技术局")} == {"c4"}
    assert index.search("科技", kind="plan", year=2024) == []
    assert index.search("科技", kind="no-such-kind") == []
    assert index.search("科技", bureau="不存在") == []
    everything = index.search("科技", n=50)
    filtered = index.search("科技", n=50, kind="achievements", bureau="科技局", year=2023)
    assert {c.id for c, _ in filtered} == {c.id for c, _ in everything if c.id in {"c0", "c1"}}


def test_hits_carry_every_chunk_field(index: LexicalIndex) -> None:
    rows = {c.id: c for c, _ in index.search("科", n=50)}
    rows |= {c.id: c for c, _ in index.search("党纪", n=50)}
    for original in CORPUS:
        if original.id in rows:
            assert rows[original.id] == original
    assert index.chunk(5) == CORPUS[5]  # None year and bureau survive
    assert index.row_of("c3") == 3
    assert index.row_of("missing") is None


def test_score_text_matches_indexed_score(index: LexicalIndex) -> None:
    query = "知识产权 专利"
    full = index.scores(query)
    assert index.score_text(query, indexed_text(CORPUS[1])) == pytest.approx(full[1])
    assert index.score_text(query, "与此无关") == 0.0


def test_empty_index() -> None:
    idx = LexicalIndex.build([])
    assert len(idx) == 0
    assert idx.search("科技") == []
    assert idx.scores("科技").shape == (0,)


# --------------------------------------------------------------------------- persistence


class FakeSource:
    """A store as far as the lexical index is concerned."""

    def __init__(self, root: Path, chunks: list[StoredChunk], revision: int = 1) -> None:
        self.lexical_cache_dir = root
        self.chunks = list(chunks)
        self.rev = revision
        self.iterations = 0

    def revision(self) -> int:
        return self.rev

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]:
        self.iterations += 1
        yield from self.chunks


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def test_save_load_round_trip(index: LexicalIndex, tmp_path: Path) -> None:
    path = tmp_path / "lexical-x.npz"
    index.save(path)
    loaded = LexicalIndex.load(path)
    assert loaded.revision == 7
    assert len(loaded) == len(index)
    for q in ["科技特派员", "知识产权 专利", "科", "gdp"]:
        assert loaded.search(q, n=10) == index.search(q, n=10)
    assert loaded.search("科技", kind="plan") == index.search("科技", kind="plan")
    with np.load(path, allow_pickle=False) as data:  # no pickled objects inside
        assert all(data[name].dtype != object for name in data.files)


def test_load_or_build_persists_and_reuses(tmp_path: Path) -> None:
    src = FakeSource(tmp_path / "cache", CORPUS[:3], revision=5)
    first = LexicalIndex.load_or_build(src, "corpus")
    assert src.iterations == 1
    path = tmp_path / "cache" / "lexical-corpus.npz"
    assert path.is_file()
    assert first.revision == 5
    # Same revision: from memory, then (after forgetting) from disk; never re-read.
    assert LexicalIndex.load_or_build(src, "corpus") is first
    clear_cache()
    again = LexicalIndex.load_or_build(src, "corpus")
    assert src.iterations == 1
    assert again.search("专利") == first.search("专利")


def test_load_or_build_rebuilds_when_revision_changes(tmp_path: Path) -> None:
    src = FakeSource(tmp_path, CORPUS[:3], revision=1)
    assert LexicalIndex.load_or_build(src, "corpus").search("孵化器") == []
    src.chunks = list(CORPUS)
    src.rev = 2
    rebuilt = LexicalIndex.load_or_build(src, "corpus")
    assert src.iterations == 2
    assert rebuilt.revision == 2
    assert rebuilt.search("孵化器")[0][0].id == "c3"
    clear_cache()
    assert LexicalIndex.load(index_path(tmp_path, "corpus")).revision == 2
    # A file from another revision on disk is not trusted either.
    src.rev = 3
    LexicalIndex.load_or_build(src, "corpus")
    assert src.iterations == 3


def test_unreadable_file_is_rebuilt(tmp_path: Path) -> None:
    path = index_path(tmp_path, "corpus")
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(StoreError):
        LexicalIndex.load(path)
    src = FakeSource(tmp_path, CORPUS)
    assert LexicalIndex.load_or_build(src, "corpus").search("科普")[0][0].id == "c4"
    assert LexicalIndex.load(path).revision == 1


def test_older_format_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = FakeSource(tmp_path, CORPUS)
    LexicalIndex.load_or_build(src, "corpus")
    clear_cache()
    monkeypatch.setattr(lexical, "FORMAT_VERSION", lexical.FORMAT_VERSION + 1)
    with pytest.raises(StoreError):
        LexicalIndex.load(index_path(tmp_path, "corpus"))
    LexicalIndex.load_or_build(src, "corpus")
    assert src.iterations == 2


def test_failed_write_leaves_no_partial_file(
    index: LexicalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lexical-x.npz"
    index.save(path)
    before = path.read_bytes()

    def broken(fh: object, arrays: object) -> None:
        fh.write(b"PK\x03\x04partial")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lexical, "_write_npz", broken)
    with pytest.raises(StoreError, match="无法写入"):
        LexicalIndex.build(CORPUS[:2], revision=99).save(path)
    assert path.read_bytes() == before  # the old index is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical-x.npz"]  # no temp file

    fresh = tmp_path / "new" / "lexical-y.npz"
    with pytest.raises(StoreError):
        index.save(fresh)
    assert list(fresh.parent.iterdir()) == []


def test_interrupted_write_leaves_no_partial_file(
    index: LexicalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(fh: object, arrays: object) -> None:
        fh.write(b"PK")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(lexical, "_write_npz", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index.save(tmp_path / "lexical-x.npz")
    assert list(tmp_path.iterdir()) == []


def test_index_names_are_checked(tmp_path: Path) -> None:
    assert index_path(tmp_path, "drafter_corpus") == tmp_path / "lexical-drafter_corpus.npz"
    for bad in ["", "../x", "a/b", "名字"]:
        with pytest.raises(InputError):
            index_path(tmp_path, bad)


def test_unwritable_cache_dir_still_gives_an_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    src = FakeSource(blocker, CORPUS)
    idx = LexicalIndex.load_or_build(src, "corpus")
    assert idx.search("科普")[0][0].id == "c4"
    assert "词法索引未能保存" in caplog.text


def test_building_in_blocks_gives_the_same_index(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = LexicalIndex.build(CORPUS)
    monkeypatch.setattr(lexical, "_BLOCK", 2)
    blocked = LexicalIndex.build(CORPUS)
    assert blocked.n_terms == whole.n_terms
    assert blocked.n_postings == whole.n_postings
    for query in ["科技特派员", "知识产权 专利", "科", "3100", "存在问题"]:
        np.testing.assert_allclose(blocked.scores(query), whole.scores(query))
        np.testing.assert_allclose(
            blocked.scores(query), reference_bm25(CORPUS, query, QUERY_UNIGRAM_WEIGHT)
        )
    for a, b in zip(blocked._arrays().items(), whole._arrays().items(), strict=True):
        assert a[0] == b[0]
        np.testing.assert_array_equal(a[1], b[1])
