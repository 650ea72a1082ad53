"""What one drafting of a section produced: its text, provenance and check results.

The drafting chain makes these records; the session (drafter.review) stores them. They
live here, below both, so that drafting never imports the review layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drafter.models import SearchHit

Origin = Literal["model", "fallback", "code", "edit", "import", "reviewed"]

ORIGIN_LABELS: dict[str, str] = {
    "model": "模型生成",
    "fallback": "程序按数据生成（兜底）",
    "code": "程序按数据生成（本节无需模型）",
    "edit": "人工修改",
    "import": "导入",
    "reviewed": "审阅修改（Word 导入）",
}
#: Origins of text a person wrote: a redraft never replaces them silently.
HUMAN_ORIGINS: frozenset[str] = frozenset({"edit", "reviewed"})


def utc_now() -> str:
    """ISO 8601 in UTC, to the second: the timestamp format of every session file."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Exemplar(_Record):
    """A retrieved passage as the model saw it (numbers masked)."""

    chunk_id: str
    doc_id: str
    source: str
    heading_path: str
    kind: str
    year: int | None = None
    score: float
    text: str

    @classmethod
    def from_hit(cls, hit: SearchHit, text: str, score: float | None = None) -> Exemplar:
        """The passage of a retrieval hit as shown to the model (``text``: already masked)."""
        chunk = hit.chunk
        return cls(
            chunk_id=chunk.id,
            doc_id=chunk.doc_id,
            source=chunk.source,
            heading_path=chunk.heading_path,
            kind=chunk.kind,
            year=chunk.year,
            score=hit.score if score is None else score,
            text=text,
        )


class Verification(_Record):
    """What the checks found for one version; ``flags`` are shown to the reviewer."""

    ok: bool
    violations: list[str] = Field(default_factory=list)
    missing_slots: list[str] = Field(default_factory=list)
    unknown_slots: list[str] = Field(default_factory=list)
    attempts: int = Field(default=0, ge=0)
    fallback: bool = False
    flags: list[str] = Field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(
            not self.ok
            or self.fallback
            or self.flags
            or self.violations
            or self.missing_slots
            or self.unknown_slots
        )


class Version(_Record):
    """One text of a section with its provenance; ``number`` is set by add_version."""

    number: int = Field(default=0, ge=0)
    text: str
    template: str | None = None
    origin: Origin
    created_at: str = Field(default_factory=utc_now)
    model: str | None = None  # "provider/model", never a key
    prompt_hash: str | None = None
    instruction: str | None = None  # the user's regenerate instruction
    author: str | None = None  # the reviewer of a "reviewed" version (Word revision author)
    exemplars: list[Exemplar] = Field(default_factory=list)
    figures_used: list[str] = Field(default_factory=list)
    verification: Verification | None = None
