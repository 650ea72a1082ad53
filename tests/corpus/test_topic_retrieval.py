"""Retrieval quality on the real web corpus: the top 3 for a drafter's queries are on topic.

Each query carries the words that make a passage on topic (in its text or its headings),
or the section kind it must come from. The README quotes the figure this test checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLES, shared_corpus_dir

from drafter.corpus.ingest import ingest_paths
from drafter.corpus.retrieve import search
from drafter.corpus.store import CorpusStore
from drafter.models import DocMeta, SearchHit
from drafter.settings import Settings


@dataclass(frozen=True)
class Topic:
    query: str
    words: tuple[str, ...] = ()
    kind: str | None = None

    def on_topic(self, hit: SearchHit) -> bool:
        if self.kind is not None and hit.chunk.kind == self.kind:
            return True
        haystack = hit.chunk.text + hit.chunk.heading_path
        return any(w in haystack for w in self.words)


TOPICS = [
    Topic("知识产权 专利", ("专利", "知识产权")),
    Topic("科技特派员", ("特派员",)),
    Topic("高新技术企业培育", ("高新技术企业", "高企")),
    Topic("科普 科技活动周", ("科普", "科技活动周", "科学普及", "科学使者")),
    Topic("产学研合作", ("产学研", "校企", "高校", "院所", "院企")),
    Topic("孵化器 众创空间", ("孵化", "众创空间", "星创天地")),
    Topic("科技项目申报 争取资金", ("项目", "资金")),
    Topic("党建 作风建设", ("党", "廉政", "作风")),
    Topic("存在问题", ("问题", "不足"), kind="problems"),
    Topic("工作打算", ("打算", "思路"), kind="plan"),
    Topic("人才引进", ("人才", "专家", "工程师", "引智")),
    Topic("科技成果转化", ("成果", "转化", "技术交易", "技术合同")),
    Topic("创新平台 重点实验室", ("实验室", "平台", "工程技术研究中心")),
    Topic("农业科技服务", ("农业", "农民", "农村", "扶贫", "星创天地", "乡村")),
]


def _ingest(folders: list[Path], root: Path) -> CorpusStore:
    settings = Settings(store=root / "store", cache_dir=root / "cache")
    store = CorpusStore.open(settings)
    with store.writer():
        report = ingest_paths(folders, store, DocMeta(), settings)
    assert report.count("skipped") == 0, report.outcomes
    return store


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    corpus = shared_corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus not present")
    return _ingest([corpus], tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    corpus = shared_corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus not present")
    return _ingest([corpus, EXAMPLES], tmp_path_factory.mktemp("mixed"))


def _available(store: CorpusStore, topic: Topic) -> int:
    """How many on-topic passages the store holds (the real corpus has only two on 特派员)."""
    probe = SearchHit(chunk=None, score=0.0)  # type: ignore[arg-type]
    count = 0
    for chunk in store.iter_chunks():
        probe.chunk = chunk
        count += topic.on_topic(probe)
    return count


def _off_topic(store: CorpusStore, topic: Topic) -> list[str]:
    """Off-topic texts among the top 3, counting only as many places as on-topic passages exist."""
    hits = search(store, topic.query, k=3)
    assert len(hits) == 3
    places = min(3, _available(store, topic))
    assert places >= 1, f"no on-topic passage for {topic.query} in the store"
    return [h.chunk.text[:60] for h in hits[:places] if not topic.on_topic(h)]


@pytest.mark.parametrize("topic", TOPICS, ids=[t.query for t in TOPICS])
def test_top3_on_topic_over_the_real_corpus(real_store: CorpusStore, topic: Topic) -> None:
    assert _off_topic(real_store, topic) == []


@pytest.mark.parametrize("topic", TOPICS, ids=[t.query for t in TOPICS])
def test_top3_on_topic_with_the_example_bureau_added(
    mixed_store: CorpusStore, topic: Topic
) -> None:
    assert _off_topic(mixed_store, topic) == []


def test_kind_filter_returns_only_that_kind(real_store: CorpusStore) -> None:
    hits = search(real_store, "下一步 重点", k=5, kind="plan")
    assert hits and all(h.chunk.kind == "plan" for h in hits)
