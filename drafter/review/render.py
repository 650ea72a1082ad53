"""What a person reads of a session: draft.md, review.md, and the one
section walk (paragraphs, heading-only sections) that Word export and the terminal share.

Split from :mod:`drafter.review.session`, which stores sections; this module only reads
them. It imports the session types for annotations only, since ``Session.write_outputs``
renders through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drafter.drafting.records import ORIGIN_LABELS, Exemplar

if TYPE_CHECKING:
    from drafter.review.session import SectionState, SessionMeta

#: The one wording of a section's state, in the terminal, review.md and Word comments.
STATE_LABELS: dict[str, str] = {
    "pending": "待起草",
    "drafted": "已起草",
    "flagged": "需重点审阅",
    "accepted": "已采纳",
    "edited": "已人工修改",
    "unreadable": "文件损坏",
}


def paragraphs_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def is_heading_only(index: int, sections: list[SectionState]) -> bool:
    """A heading-only section: titled, directly followed by a deeper one, and never given
    text of its own (a writer who types under a part heading makes it a section)."""
    s = sections[index]
    return (
        s.level >= 1
        and index + 1 < len(sections)
        and sections[index + 1].level > s.level
        and not s.versions
    )


def heading_only_ids(sections: list[SectionState]) -> set[str]:
    """The ids of the heading-only sections (see :func:`is_heading_only`)."""
    return {s.id for i, s in enumerate(sections) if is_heading_only(i, sections)}


def render_markdown(meta: SessionMeta, sections: list[SectionState]) -> str:
    """The draft in force as Markdown: ``# title``, ``##`` for 一、, ``###`` for （一）."""
    out = [f"# {meta.title}", ""]
    for i, s in enumerate(sections):
        if s.heading:
            out += [f"{'#' * (max(s.level, 1) + 1)} {s.heading}", ""]
        paragraphs = paragraphs_of(s.text)
        if not paragraphs and s.current_version is None and not is_heading_only(i, sections):
            paragraphs = ["（本节尚未起草）"]
        for p in paragraphs:
            out += [p, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def section_flags(state: SectionState) -> list[str]:
    """Everything a reviewer should look at in the version in force (Chinese)."""
    v = state.current_version
    if v is None or v.verification is None:
        return []
    ver = v.verification
    flags = list(ver.flags)
    if ver.missing_slots:
        flags.append(f"缺少数据：{'、'.join(ver.missing_slots)}")
    if ver.unknown_slots:
        flags.append(f"未知槽位：{'、'.join(ver.unknown_slots)}")
    if not ver.ok and not ver.flags:
        flags.append("核对未通过")
    return list(dict.fromkeys(flags))


def _is_fallback(state: SectionState) -> bool:
    v = state.current_version
    if v is None:
        return False
    if v.verification is not None and v.verification.fallback:
        return True
    return v.origin == "fallback" and bool(v.text)


def _exemplar_line(e: Exemplar) -> str:
    bits = [e.source]
    if e.heading_path:
        bits.append(e.heading_path)
    tail = f"（{e.year}年，相关度 {e.score:.3f}）" if e.year else f"（相关度 {e.score:.3f}）"
    return " · ".join(bits) + tail


def note_lines(state: SectionState) -> list[str]:
    """The reviewers' comments on a section as review.md list items (Chinese)."""
    if not state.notes:
        return []
    out = [f"- 审阅批注（{len(state.notes)} 条）："]
    for n in state.notes:
        where = f"（批注于“{n.anchor[:30]}”）" if n.anchor else ""
        when = f"，{n.date[:10]}" if n.date else ""
        out.append(f"  - {n.author or '审阅人'}{when}：{n.text}{where}")
    return out


def render_review(
    meta: SessionMeta, sections: list[SectionState], *, problems: list[str] | None = None
) -> str:
    """The Chinese review report: a summary, then per section what a reviewer must check."""
    flagged = [s for s in sections if s.state == "flagged"]
    fallback = [s for s in sections if _is_fallback(s)]
    accepted = [s for s in sections if s.state == "accepted"]
    edited = [s for s in sections if s.state == "edited"]
    pending = [
        s
        for i, s in enumerate(sections)
        if s.state == "pending" and not is_heading_only(i, sections)
    ]
    period = {"annual": "全年", "half_year": "上半年"}.get(meta.period, meta.period)
    out = [
        f"# 审阅报告：{meta.title}",
        "",
        f"- 单位：{meta.bureau}；年度：{meta.year}年（{period}）",
        f"- 数据文件：{meta.figures_path}（sha256 {meta.figures_sha256[:12]}）",
        f"- 提纲：{meta.outline_note or meta.outline}；模型：{meta.model or '未记录'}",
        f"- 创建：{meta.created_at}；更新：{meta.updated_at}",
        "",
        "## 概况",
        "",
        f"共 {len(sections)} 节：需重点审阅 {len(flagged)} 节，程序兜底 {len(fallback)} 节，"
        f"已采纳 {len(accepted)} 节，人工修改 {len(edited)} 节，未起草 {len(pending)} 节。",
        "",
    ]
    if flagged:
        out += ["需重点审阅：" + "；".join(f"{s.label}（{s.id}）" for s in flagged), ""]
    if fallback:
        out += ["程序兜底：" + "；".join(f"{s.label}（{s.id}）" for s in fallback), ""]
    if problems:
        out += ["## 文件问题", ""] + [f"- {p}" for p in problems] + [""]
    out += ["## 各节详情", ""]
    for i, s in enumerate(sections, 1):
        out += [f"### {i}. {s.label}（{s.id}）", ""]
        v = s.current_version
        if v is None and is_heading_only(i - 1, sections):
            out += ["- 标题节（仅标题，无正文）", *note_lines(s), ""]
            continue
        out.append(f"- 状态：{STATE_LABELS.get(s.state, s.state)}")
        if v is None:
            out += ["- 版本：无", *note_lines(s), ""]
            continue
        out.append(
            f"- 版本：第 {v.number} 版（共 {len(s.versions)} 版）；来源：{ORIGIN_LABELS[v.origin]}"
            f"；生成时间：{v.created_at}"
        )
        if v.model:
            out.append(f"- 模型：{v.model}")
        if v.author:
            out.append(f"- 审阅人：{v.author}")
        if v.instruction:
            out.append(f"- 修改要求：{v.instruction}")
        ver = v.verification
        if ver is not None:
            verdict = "通过" if ver.ok else "未通过"
            out.append(f"- 数字核对：{verdict}（尝试 {ver.attempts} 次）")
            if ver.fallback:
                out.append("- 程序兜底：是（模型多次未通过核对，本节由程序按数据生成）")
            out.append(f"- 缺少数据：{'、'.join(ver.missing_slots) if ver.missing_slots else '无'}")
            if ver.unknown_slots:
                out.append(f"- 未知槽位：{'、'.join(ver.unknown_slots)}")
        flags = list(ver.flags) if ver is not None else []
        if ver is not None and not ver.ok and not ver.flags:
            flags.append("核对未通过")
        if flags:
            out.append("- 提示：")
            out += [f"  - {f}" for f in flags]
        if ver is not None and ver.violations:
            out.append("- 此前各稿的违规：")
            out += [f"  - {x}" for x in ver.violations]
        if v.figures_used:
            out.append(f"- 使用数据：{'、'.join(v.figures_used)}")
        if v.exemplars:
            out.append("- 参考范文：")
            out += [f"  - {_exemplar_line(e)}" for e in v.exemplars]
        elif v.origin in ("model", "fallback") and v.text:
            out.append("- 参考范文：无")
        out += note_lines(s)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
