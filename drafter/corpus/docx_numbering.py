"""What a Word paragraph shows besides its text: its list number and its heading level.

A summary typed in Word often numbers its headings with Word's automatic numbering
(numbering.xml) instead of typing "一、"; the number is then not in the paragraph's text
at all. :class:`DocxStructure` replays the numbering in document order and renders each
number as Word shows it ("一、", "（一）", "1.", "（1）", from ``numFmt`` and ``lvlText``),
and reports a paragraph's outline level from its style (Heading 1–9, ``outlineLvl``) so
that a heading without any number can still be given one (see ``heading_marker``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from drafter.text.numerals import LEGAL_DIGITS, LEGAL_UNITS, digit_string, to_chinese

__all__ = ["DocxStructure", "format_number"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{_W}val"
_MAX_STYLE_DEPTH = 20

_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))  # ①..⑳
_PAREN = "".join(chr(c) for c in range(0x2474, 0x2488))  # ⑴..⒇
_FULLSTOP = "".join(chr(c) for c in range(0x2488, 0x249C))  # ⒈..⒛
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa (Word repeats the letter)."""
    if n <= 0:
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if n <= 0:
        return str(n)
    out = []
    for value, symbol in _ROMAN:
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def _from_table(table: str, n: int) -> str:
    return table[n - 1] if 1 <= n <= len(table) else str(n)


def format_number(n: int, fmt: str) -> str:
    """One counter value in a Word number format (``w:numFmt``)."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
    ):
        return to_chinese(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return digit_string(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return to_chinese(n, LEGAL_DIGITS, LEGAL_UNITS)
    if fmt == "ideographTraditional":
        return _from_table(_TIANGAN, n)
    if fmt == "ideographZodiac":
        return _from_table(_DIZHI, n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _from_table(_CIRCLED, n)
    if fmt == "decimalEnclosedParen":
        return _from_table(_PAREN, n)
    if fmt == "decimalEnclosedFullstop":
        return _from_table(_FULLSTOP, n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    return str(n)  # decimal and anything unknown


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False
    suffix: str = "tab"
    style: str | None = None


@dataclass
class _Instance:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)  # lvlOverride/startOverride
    levels: dict[int, _Level] = field(default_factory=dict)  # lvlOverride/lvl


def _int(element: Any, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_VAL))
    except (TypeError, ValueError):
        return default


def _parse_level(lvl: Any, base: _Level | None = None) -> _Level:
    base = base or _Level()
    fmt = lvl.find(f"{_W}numFmt")
    text = lvl.find(f"{_W}lvlText")
    suffix = lvl.find(f"{_W}suff")
    style = lvl.find(f"{_W}pStyle")
    legal = lvl.find(f"{_W}isLgl")
    return _Level(
        start=_int(lvl.find(f"{_W}start"), base.start),
        fmt=fmt.get(_VAL, base.fmt) if fmt is not None else base.fmt,
        text=text.get(_VAL, "") if text is not None else base.text,
        legal=(legal is not None and legal.get(_VAL, "true") not in ("0", "false", "off")),
        suffix=suffix.get(_VAL, "tab") if suffix is not None else base.suffix,
        style=style.get(_VAL) if style is not None else None,
    )


@dataclass(frozen=True)
class _StyleInfo:
    name: str
    based_on: str | None
    outline: int | None
    num_id: str | None
    ilvl: int | None


class DocxStructure:
    """Numbering and heading levels of one document; call ``marker`` in document order."""

    def __init__(self, styles_root: Any | None, numbering_root: Any | None) -> None:
        self._styles: dict[str, _StyleInfo] = {}
        self._abstracts: dict[str, dict[int, _Level]] = {}
        self._instances: dict[str, _Instance] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        if styles_root is not None:
            self._read_styles(styles_root)
        if numbering_root is not None:
            self._read_numbering(numbering_root)

    @classmethod
    def of(cls, document: Any) -> DocxStructure:
        """From a python-docx Document (a document without numbering.xml has no lists)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        part = document.part
        try:
            numbering = part.part_related_by(RT.NUMBERING).element
        except KeyError:
            numbering = None
        try:
            styles = part.part_related_by(RT.STYLES).element
        except KeyError:
            styles = None
        return cls(styles, numbering)

    # ---------------------------------------------------------------- reading definitions

    def _read_styles(self, root: Any) -> None:
        for style in root.iter(f"{_W}style"):
            if style.get(f"{_W}type") != "paragraph":
                continue
            style_id = style.get(f"{_W}styleId")
            if not style_id:
                continue
            name = style.find(f"{_W}name")
            based = style.find(f"{_W}basedOn")
            ppr = style.find(f"{_W}pPr")
            outline = num_id = ilvl = None
            if ppr is not None:
                outline_el = ppr.find(f"{_W}outlineLvl")
                outline = _int(outline_el, -1) if outline_el is not None else None
                num_pr = ppr.find(f"{_W}numPr")
                if num_pr is not None:
                    num_el = num_pr.find(f"{_W}numId")
                    num_id = num_el.get(_VAL) if num_el is not None else None
                    ilvl_el = num_pr.find(f"{_W}ilvl")
                    ilvl = _int(ilvl_el, 0) if ilvl_el is not None else None
            self._styles[style_id] = _StyleInfo(
                name=(name.get(_VAL, "") if name is not None else "").lower(),
                based_on=based.get(_VAL) if based is not None else None,
                outline=outline,
                num_id=num_id,
                ilvl=ilvl,
            )

    def _read_numbering(self, root: Any) -> None:
        for abstract in root.findall(f"{_W}abstractNum"):
            abstract_id = abstract.get(f"{_W}abstractNumId")
            if abstract_id is None:
                continue
            levels = {}
            for lvl in abstract.findall(f"{_W}lvl"):
                levels[_int_attr(lvl, "ilvl", 0)] = _parse_level(lvl)
            self._abstracts[abstract_id] = levels
        for num in root.findall(f"{_W}num"):
            num_id = num.get(f"{_W}numId")
            ref = num.find(f"{_W}abstractNumId")
            if num_id is None or ref is None:
                continue
            instance = _Instance(abstract=ref.get(_VAL, ""))
            for override in num.findall(f"{_W}lvlOverride"):
                ilvl = _int_attr(override, "ilvl", 0)
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    instance.starts[ilvl] = _int(start, 1)
                lvl = override.find(f"{_W}lvl")
                if lvl is not None:
                    base = self._abstracts.get(instance.abstract, {}).get(ilvl)
                    instance.levels[ilvl] = _parse_level(lvl, base)
            self._instances[num_id] = instance

    # ---------------------------------------------------------------- styles

    def _style_chain(self, style_id: str | None) -> list[tuple[str, _StyleInfo]]:
        chain: list[tuple[str, _StyleInfo]] = []
        seen: set[str] = set()
        while style_id and style_id in self._styles and style_id not in seen:
            if len(chain) >= _MAX_STYLE_DEPTH:
                break
            seen.add(style_id)
            info = self._styles[style_id]
            chain.append((style_id, info))
            style_id = info.based_on
        return chain

    def outline_level(self, style_id: str | None, direct: int | None) -> int | None:
        """0-based outline level (0 = Heading 1), or None for body text."""
        if direct is not None:
            return direct if 0 <= direct <= 8 else None
        for _, info in self._style_chain(style_id):
            if info.outline is not None:
                return info.outline if 0 <= info.outline <= 8 else None
            m = re.fullmatch(r"heading ([1-9])", info.name)
            if m:
                return int(m.group(1)) - 1
        return None

    def is_title(self, style_id: str | None) -> bool:
        return any(info.name in ("title", "标题") for _, info in self._style_chain(style_id))

    # ---------------------------------------------------------------- numbers

    def marker(self, style_id: str | None, num_id: str | None, ilvl: int | None) -> tuple[str, str]:
        """(number as shown, suffix) for the next paragraph; ("", "") when unnumbered.

        ``num_id``/``ilvl`` are the paragraph's own w:numPr (None when absent); otherwise
        the numbering comes from its style. Every call advances the list's counters.
        """
        if num_id is None:
            for sid, info in self._style_chain(style_id):
                if info.num_id is not None:
                    num_id = info.num_id
                    ilvl = ilvl if ilvl is not None else info.ilvl
                    if ilvl is None:
                        ilvl = self._level_for_style(info.num_id, sid)
                    break
        if num_id is None or num_id == "0" or num_id not in self._instances:
            return "", ""
        instance = self._instances[num_id]
        ilvl = min(max(ilvl or 0, 0), 8)
        level = self._level(instance, ilvl)
        if level is None or level.fmt in ("bullet", "none"):
            return "", ""
        counters = self._advance(num_id, instance, ilvl)
        text = re.sub(
            r"%([1-9])",
            lambda m: self._render(instance, int(m.group(1)) - 1, counters, level.legal),
            level.text,
        )
        return text, level.suffix

    def _level(self, instance: _Instance, ilvl: int) -> _Level | None:
        return instance.levels.get(ilvl) or self._abstracts.get(instance.abstract, {}).get(ilvl)

    def _level_for_style(self, num_id: str, style_id: str) -> int:
        instance = self._instances.get(num_id)
        if instance is None:
            return 0
        for ilvl, level in self._abstracts.get(instance.abstract, {}).items():
            if level.style == style_id:
                return ilvl
        return 0

    def _advance(self, num_id: str, instance: _Instance, ilvl: int) -> dict[int, int]:
        # Lists sharing an abstract definition continue one another, unless a list
        # restarts with a startOverride (Word's "restart numbering").
        key = f"num:{num_id}" if instance.starts else f"abstract:{instance.abstract}"
        counters = self._counters.setdefault(key, {})
        if key not in self._started:
            self._started.add(key)
            for lvl, start in instance.starts.items():
                counters[lvl] = start - 1
        level = self._level(instance, ilvl)
        start = level.start if level is not None else 1
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        return counters

    def _render(self, instance: _Instance, ilvl: int, counters: dict[int, int], legal: bool) -> str:
        level = self._level(instance, ilvl)
        value = counters.get(ilvl, level.start if level is not None else 1)
        fmt = "decimal" if legal or level is None else level.fmt
        return format_number(value, fmt)


def _int_attr(element: Any, name: str, default: int) -> int:
    try:
        return int(element.get(f"{_W}{name}"))
    except (TypeError, ValueError):
        return default
