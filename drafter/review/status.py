"""The status of every section, one row each: the single source of ``drafter status``'s
table, ``status --json`` and ``draft --json``.

One rule in one place: which name a section shows, when it is a heading only, and that a
damaged section file still gets a row (state ``unreadable``, the reason as its flag) in
document order, so neither the table nor the JSON silently drops it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from drafter.review.render import STATE_LABELS, heading_only_ids, section_flags

if TYPE_CHECKING:
    from drafter.review.session import Session

__all__ = ["HEADING_ONLY_LABEL", "state_label", "status_rows"]

#: Shown instead of a state for a heading-only section (never drafted, so not "待起草").
HEADING_ONLY_LABEL: Final = "（标题）"


def status_rows(session: Session) -> list[dict[str, Any]]:
    """One JSON-ready row per section in document order, readable or not.

    Keys: ``id``, ``heading`` (the heading, or the name of an untitled opening/closing),
    ``level``, ``kind``, ``state``, ``heading_only``, ``version`` (the one in force, 0 for
    none), ``versions`` (how many), ``origin``, ``flags`` and ``text``. An unreadable
    section has state ``unreadable``, no heading, level or kind, and why as its one flag.
    """
    sections = {s.id: s for s in session.sections()}
    heading_only = heading_only_ids(session.sections())
    rows: list[dict[str, Any]] = []
    for section_id in session.meta.section_order:
        if section_id in session.unreadable:
            rows.append(_unreadable_row(section_id, session.unreadable[section_id]))
            continue
        s = sections.get(section_id)
        if s is None:
            continue
        v = s.current_version
        rows.append(
            {
                "id": s.id,
                "heading": s.label,
                "level": s.level,
                "kind": s.kind,
                "state": s.state,
                "heading_only": s.id in heading_only,
                "version": s.current,
                "versions": len(s.versions),
                "origin": v.origin if v is not None else None,
                "flags": section_flags(s),
                "text": s.text,
            }
        )
    return rows


def _unreadable_row(section_id: str, why: str) -> dict[str, Any]:
    return {
        "id": section_id,
        "heading": "",
        "level": None,
        "kind": None,
        "state": "unreadable",
        "heading_only": False,
        "version": 0,
        "versions": 0,
        "origin": None,
        "flags": [why],
        "text": "",
    }


def state_label(row: dict[str, Any]) -> str:
    """The Chinese state a person reads for a row (heading-only sections show as headings)."""
    if row["heading_only"]:
        return HEADING_ONLY_LABEL
    state = str(row["state"])
    return STATE_LABELS.get(state, state)
