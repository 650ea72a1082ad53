"""Pure helpers of the interactive session: commands, section lookup, highlights, diffs.

Kept free of terminal I/O so that each rule the writer relies on (which text is a
figure, which number was flagged, what changed between two versions) is a small
function with its own tests; drafter/cli/session_cmd.py only prints their results.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

from drafter.drafting.records import Verification, Version
from drafter.figures import SlotTable, UnknownSlotError
from drafter.figures.check import Flag, check_text
from drafter.review.session import SectionState, heading_only_ids
from drafter.text.numbers import find_numbers
from drafter.text.sentences import split_sentences
from drafter.text.slots import SLOT_RE
from drafter.text.structural import is_structural

#: Suggested regenerate instructions, offered by completion.
INSTRUCTION_PRESETS: tuple[str, ...] = (
    "更简洁",
    "突出专利工作",
    "增加一是二是三是",
    "语气更正式",
    "多写具体做法",
)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    usage: str
    help: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("list", ("ls", "l", "提纲"), "list", "显示提纲：各节状态、版本和疑点"),
    CommandSpec(
        "open", ("o", "打开"), "open 序号|章节ID", "打开一节：正文（数据高亮）、疑点、范文"
    ),
    CommandSpec("next", ("n",), "next", "打开下一节"),
    CommandSpec(
        "regen",
        ("regenerate", "r", "重写"),
        "regen [修改要求]",
        "重新起草当前节，可附要求，如：regen 更简洁",
    ),
    CommandSpec("edit", ("e", "修改"), "edit", "用 $EDITOR 修改当前节，保存后立即核对数字"),
    CommandSpec("accept", ("a", "采纳"), "accept", "采纳当前节的现行版本"),
    CommandSpec("diff", ("d", "对比"), "diff [版本 [版本]]", "与上一版（或指定版本）逐句对比"),
    CommandSpec("undo", ("u", "回退"), "undo [版本]", "回到上一版或指定版本（后面的版本仍保留）"),
    CommandSpec("history", ("versions", "h", "历史"), "history", "列出当前节的全部版本"),
    CommandSpec("sources", ("src", "出处"), "sources", "当前版本参考的范文及出处、用到的数据"),
    CommandSpec("draft", ("起草",), "draft", "起草全部待起草的章节"),
    CommandSpec("export", ("x", "导出"), "export", "写出 draft.md、review.md 等文件"),
    CommandSpec("help", ("?", "帮助"), "help", "显示本帮助"),
    CommandSpec(
        "quit", ("exit", "q", "退出"), "quit", "退出（也可按 Ctrl-D；所有修改都已随时保存）"
    ),
)

_ALIASES: dict[str, str] = {
    alias: spec.name for spec in COMMANDS for alias in (spec.name, *spec.aliases)
}


@dataclass(frozen=True)
class Command:
    """A parsed input line; ``name`` is canonical, or "unknown" / "empty"."""

    name: str
    arg: str = ""
    raw: str = ""


def parse_command(line: str) -> Command:
    """``"regen 更简洁"`` → Command("regen", "更简洁"); a bare number or id opens a section."""
    text = line.strip()
    if not text:
        return Command("empty", raw=line)
    head, _, rest = text.partition(" ")
    name = _ALIASES.get(head.lower())
    if name is not None:
        return Command(name, rest.strip(), line)
    if head.isdigit() and not rest:
        return Command("open", head, line)
    return Command("unknown", text, line)


# --------------------------------------------------------------------- sections


def resolve_section(ref: str, ids: list[str]) -> str | None:
    """A section by its row number (1-based), its id, or a unique id prefix."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.isdigit():
        n = int(ref)
        return ids[n - 1] if 1 <= n <= len(ids) else None
    if ref in ids:
        return ref
    lowered = ref.lower()
    matches = [i for i in ids if i.lower().startswith(lowered)]
    return matches[0] if len(matches) == 1 else None


def parse_version_numbers(arg: str, count: int) -> list[int]:
    """Version numbers in an argument ("2", "1 3"); ValueError (Chinese) when invalid."""
    numbers: list[int] = []
    for part in arg.replace("，", " ").replace(",", " ").split():
        part = part.lstrip("第vV").rstrip("版")
        if not part.isdigit():
            raise ValueError(f"“{part}”不是版本号，请写数字，如 2。")
        n = int(part)
        if not 1 <= n <= count:
            raise ValueError(f"没有第 {n} 版；可选 1–{count}。")
        numbers.append(n)
    return numbers


def pending_ids(sections: list[SectionState]) -> list[str]:
    """Sections that still need a first draft (heading-only sections excluded)."""
    skip = heading_only_ids(sections)
    return [s.id for s in sections if s.state == "pending" and s.id not in skip]


# ------------------------------------------------------------------- highlights



@dataclass(frozen=True)
class Span:
    """A stretch of the displayed text: a figure written by code, or a flagged number."""

    start: int
    end: int
    kind: str  # "figure" | "flag"
    note: str = ""


def figure_spans(version: Version, table: SlotTable | None) -> list[Span]:
    """Where the rendered slot values sit in a version's text.

    A version drafted from a template is re-rendered piece by piece, so each span is
    exactly the text code wrote for a slot. When that does not reproduce the text (a
    person's edit, or no figures file at hand) the known slot texts are searched for,
    and failing that every non-structural number is marked.
    """
    text = version.text
    if table is not None and version.template:
        spans = _template_spans(version.template, text, table)
        if spans is not None:
            return spans
    if table is not None:
        spans = _search_spans(text, [s.text for s in table if s.numbers])
        if spans:
            return spans
    return [
        Span(m.start, m.end, "figure")
        for m in find_numbers(text)
        if not is_structural(m, text, dates_structural=True)
    ]


def _template_spans(template: str, text: str, table: SlotTable) -> list[Span] | None:
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    last = 0
    for m in SLOT_RE.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        try:
            slot = table[m.group(1)]
        except UnknownSlotError:
            return None
        out.append(slot.text)
        spans.append(Span(pos, pos + len(slot.text), "figure", slot.id))
        pos += len(slot.text)
        last = m.end()
    out.append(template[last:])
    return spans if "".join(out) == text else None


def _search_spans(text: str, needles: list[str]) -> list[Span]:
    taken = bytearray(len(text))
    spans: list[Span] = []
    for needle in sorted({n for n in needles if len(n) >= 2}, key=len, reverse=True):
        start = text.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * len(needle)
                spans.append(Span(start, end, "figure"))
            start = text.find(needle, end)
    return sorted(spans, key=lambda s: s.start)


def flag_spans(flags: list[Flag]) -> list[Span]:
    return [Span(f.start, f.end, "flag", f.reason) for f in flags]


def merge_spans(figures: list[Span], flags: list[Span]) -> list[Span]:
    """Flags win over figures where they overlap; result sorted and non-overlapping."""
    kept = [f for f in figures if not any(f.start < g.end and g.start < f.end for g in flags)]
    return sorted([*kept, *flags], key=lambda s: s.start)


# ------------------------------------------------------------------------- edits


def check_edited_text(text: str, table: SlotTable) -> list[Flag]:
    """Numbers in a person's text that match no figure (the same check as `drafter check`)."""
    allowed: list[tuple[Decimal, str | None]] = table.allowed_values()
    return check_text(text, allowed, allowed_years=table.allowed_years())


def edit_version(text: str, flags: list[Flag] | None) -> Version:
    """A person's text as a version; its number check is recorded (None: not checked)."""
    if flags is None:
        check = Verification(ok=True, flags=["未核对数字：找不到数据文件。"])
    else:
        check = Verification(
            ok=not flags, flags=[f"第{f.line}行：{f.reason}" for f in flags], attempts=0
        )
    return Version(text=text, origin="edit", verification=check)


def normalise_edit(text: str) -> str:
    """Editors add a final newline and trailing spaces; neither is part of the text."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# ------------------------------------------------------------------------- diffs

def sentences(text: str) -> list[str]:
    """Sentences, paragraph by paragraph: the unit a writer compares versions in."""
    return split_sentences(text)


def diff_lines(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    """A sentence-by-sentence unified diff ("-" removed, "+" added, " " context)."""
    lines = list(
        difflib.unified_diff(
            sentences(old),
            sentences(new),
            fromfile=old_label,
            tofile=new_label,
            n=1,
            lineterm="",
        )
    )
    return lines


# ------------------------------------------------------------------------- flags


def explain_flag(flag: str) -> str:
    """What the writer should do about one flag (short Chinese advice)."""
    if flag.startswith("缺少数据"):
        return "本节应写到的数据没有出现：重写或手工补上。"
    if flag.startswith("未知槽位"):
        return "稿中引用了数据表里没有的项目：重写本节。"
    if "兜底" in flag or "程序按数据生成" in flag:
        return "这段文字由程序拼成，数字可靠但文字生硬：可 regen 重写或 edit 润色。"
    if "找不到对应数字" in flag or "对不上" in flag:
        return "这个数字不在数据表及其派生数中：核实后改正，或在数据文件中补充。"
    if "年份" in flag:
        return "年份超出本年度前后一年：核实是否写错。"
    if "未替换的槽位" in flag or "槽位" in flag:
        return "文中留有未替换的占位符：改成具体内容。"
    if flag.startswith("未核对"):
        return "把数据文件放回原处后重新打开会话即可核对。"
    return "请人工核实。"
