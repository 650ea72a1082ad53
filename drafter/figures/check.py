"""Check the numbers of a rendered text against the figures: every number that matches
none of the allowed values (after unit conversion and rounding) is flagged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from drafter.text.chars import narrow
from drafter.text.numbers import Form, NumberMention
from drafter.text.scanner import find_numbers
from drafter.text.sentences import (
    line_of,
    sentence_of,
    sentence_spans,
)
from drafter.text.slots import (
    BARE_SLOT_RE,
    slot_matches,
)
from drafter.text.structural import DEFAULT_ALLOWLIST, Allowlist, is_covered, is_structural
from drafter.text.units import (
    parse_unit,
)


class FlagKind(StrEnum):
    UNMATCHED = "unmatched"  # the number matches no allowed figure
    YEAR = "year"  # a year outside allowed_years
    SLOT = "slot"  # a slot left unrendered


@dataclass(frozen=True)
class Flag:
    """A number in rendered text that :func:`check_text` cannot account for."""

    raw: str
    start: int
    end: int
    line: int
    sentence: str
    reason: str
    kind: FlagKind = FlagKind.UNMATCHED
    mention: NumberMention | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


# --------------------------------------------------------------------------- check_text


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _step(value: Decimal, decimals: int) -> Decimal:
    """The granularity an approximate figure is stated in: 30 → 10, 1500 → 100, 1.5 → 0.1."""
    if decimals > 0:
        return Decimal(1).scaleb(-decimals)
    n = int(value)
    zeros = 0
    while n and n % 10 == 0:
        n //= 10
        zeros += 1
    return Decimal(10) ** zeros


def _displays_as(target: Decimal, shown: Decimal, decimals: int) -> bool:
    try:
        quantum = Decimal(1).scaleb(-decimals)
        return any(
            target.quantize(quantum, rounding=r) == shown for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)
        )
    except InvalidOperation:
        return target == shown


def _approx_ok(target: Decimal, shown: Decimal, decimals: int, qualifier: str | None) -> bool:
    if _displays_as(target, shown, decimals):
        return True
    if qualifier is None:
        return False
    step = _step(shown, decimals)
    if qualifier in ("余", "多", "超", "超过", "逾", "有余", "之多"):
        return shown < target < shown + step
    if qualifier in ("以上", "上"):
        return shown <= target < shown + step
    if qualifier in ("以下", "不足", "不到"):
        return shown - step < target <= shown
    if qualifier in ("近", "将近", "接近"):
        return shown - step <= target <= shown
    if qualifier in ("约", "左右", "来"):
        return abs(target - shown) <= step / 2
    if qualifier in ("数",):
        return 2 * shown <= target < 10 * shown
    if qualifier == "几":  # 几十 (prefix) or 十几 (suffix): accept either reading
        return shown < target < 10 * shown
    return False


_Allowed = tuple[Decimal, Decimal, str | None]  # (value, factor, base unit)


def _one_matches(
    value: Decimal,
    decimals: int,
    unit: str | None,
    qualifier: str | None,
    allowed: Sequence[_Allowed],
) -> bool:
    m_factor, m_base = parse_unit(unit)
    for av, a_factor, a_base in allowed:
        if m_base is not None and a_base is not None:
            if m_base != a_base:
                continue
            if _approx_ok(av * a_factor / m_factor, value, decimals, qualifier):
                return True
        else:
            # at least one side without a unit: compare the numbers as written or in base units
            for target in {av, av * a_factor / m_factor}:
                if _approx_ok(target, value, decimals, qualifier):
                    return True
    return False


def value_matches(
    value: Decimal,
    decimals: int,
    unit: str | None,
    qualifier: str | None,
    allowed: Sequence[tuple[Decimal, str | None]],
) -> bool:
    """Whether a number as written (with its unit, decimals shown and qualifier) is one
    of ``allowed`` (value, unit) pairs, by the rules of :func:`check_text`."""
    parsed = [(Decimal(str(av)), *parse_unit(au)) for av, au in allowed]
    return _one_matches(value, decimals, unit, qualifier, parsed)


def _fraction_matches(value: Decimal, allowed: Sequence[_Allowed]) -> bool:
    for av, a_factor, a_base in allowed:
        if a_base == "%" and abs(av * a_factor - value * 100) <= Decimal("0.5"):
            return True
        if a_base is None and abs(av * a_factor - value) <= Decimal("0.005"):
            return True
    return False


def _nearby(value: Decimal, unit: str | None, allowed: Sequence[tuple[Decimal, str | None]]) -> str:
    m_factor, m_base = parse_unit(unit)
    if m_base is None:
        return ""
    same: list[tuple[Decimal, str]] = []
    base_value = value * m_factor
    for av, au in allowed:
        a_factor, a_base = parse_unit(au)
        if a_base == m_base:
            diff = abs(av * a_factor - base_value) / max(abs(base_value), Decimal(1))
            same.append((diff, _fmt(av) + (au or "")))
    if not same:
        return f"数据表中没有以“{m_base}”为单位的数据"
    best: list[str] = []
    for _, label in sorted(same):
        if label not in best:
            best.append(label)
    best = best[:3]
    return "同单位的数据有：" + "、".join(best)


def check_text(
    text: str,
    allowed: Sequence[tuple[Decimal, str | None]],
    *,
    allowed_years: set[int] | None = None,
    allowlist: Allowlist | None = None,
) -> list[Flag]:
    """Numbers in rendered ``text`` that match no allowed figure (for ``drafter check``).

    ``allowed`` holds (value, unit) pairs. A mention matches when its base units agree
    (430万元 = 0.043亿元 = 4300000元; 三成 = 30%; 公里 = 千米) and the allowed value,
    converted to the mention's unit and rounded to the decimals shown, equals the shown
    value (16.67 → "16.7%"); approximations (30余家, 近30家, 约30家, 30家以上) accept values
    within the stated granularity; when either side has no unit the numbers are compared
    directly. Both ends of a range must match. Fractions match a percentage within half a
    point. Structural mentions, dates (12月20日, 2025年以来), headings and codes are skipped;
    years are skipped when ``allowed_years`` is None, otherwise must be in it. Unrendered
    slots are flagged too. Each :class:`Flag` has a Chinese reason and a line number.
    """
    allow = allowlist if allowlist is not None else DEFAULT_ALLOWLIST
    t = narrow(text)
    spans = sentence_spans(text)
    parsed: list[_Allowed] = []
    for av, au in allowed:
        factor, base = parse_unit(au)
        parsed.append((Decimal(str(av)), factor, base))
    flags: list[Flag] = []

    def flag(start: int, end: int, reason: str, kind: FlagKind, m: NumberMention | None) -> None:
        _, sent = sentence_of(spans, start)
        flags.append(
            Flag(
                raw=text[start:end],
                start=start,
                end=end,
                line=line_of(text, start),
                sentence=text[sent[0] : sent[1]],
                reason=reason,
                kind=kind,
                mention=m,
            )
        )

    for s in slot_matches(text):
        flag(s.start, s.end, f"“{text[s.start : s.end]}”是未替换的槽位", FlagKind.SLOT, None)
    for m in find_numbers(text):
        if m.form is Form.CODE:
            if BARE_SLOT_RE.fullmatch(narrow(m.raw)):
                flag(m.start, m.end, f"“{m.raw}”疑似缺少花括号的未替换槽位", FlagKind.SLOT, m)
            continue
        if m.form is Form.YEAR:
            if allowed_years is None or is_covered(m, t, allow) or m.year is None:
                continue
            years = [m.year] + ([int(m.high)] if m.high is not None else [])
            bad = [y for y in years if y not in allowed_years]
            if bad:
                listing = "、".join(str(y) for y in sorted(allowed_years)) or "无"
                flag(
                    m.start,
                    m.end,
                    f"年份“{m.raw}”不在允许的年份（{listing}）之内",
                    FlagKind.YEAR,
                    m,
                )
            continue
        if is_structural(m, text, dates_structural=True, allowlist=allow):
            continue
        if m.form is Form.FRACTION:
            if not _fraction_matches(m.value, parsed):
                flag(
                    m.start,
                    m.end,
                    f"分数“{m.raw}”与数据表中的任何比例都对不上",
                    FlagKind.UNMATCHED,
                    m,
                )
            continue
        ends = [("", m.value, m.decimals)]
        if m.high is not None:
            ends = [("下限", m.value, m.decimals), ("上限", m.high, m.high_decimals)]
        for label, value, decimals in ends:
            if _one_matches(value, decimals, m.unit, m.qualifier, parsed):
                continue
            hint = _nearby(value, m.unit, allowed)
            shown = _fmt(value) + (m.unit or "")
            if label:
                reason = f"范围“{m.raw}”的{label}{shown}在数据表中找不到对应数字"
            else:
                reason = f"“{m.raw}”在数据表中找不到对应数字（已考虑单位换算和四舍五入）"
            flag(m.start, m.end, reason + (f"；{hint}" if hint else ""), FlagKind.UNMATCHED, m)
            break
    return sorted(flags, key=lambda f: (f.start, f.end))
