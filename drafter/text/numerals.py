"""Chinese numerals: the one parser and the one generator every stage uses."""

from __future__ import annotations

from decimal import Decimal

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_SMALL: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
CN_BIG: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
CN_NUMERALS = "零〇一二三四五六七八九两十百千万亿"
ASCII_DIGITS = "0123456789"
CN_RUN_CLASS = CN_NUMERALS  # a regex character class of every numeral character
NUMERAL_CHARS = frozenset(CN_NUMERALS + ASCII_DIGITS)
# --------------------------------------------------------------------------- parsing


def parse_cn_int(s: str) -> int | None:
    """一百二十 → 120, 二〇二五 → 2025, 一万二 → 12000; None when not a well-formed number."""
    if not s or any(c not in CN_DIGITS and c not in CN_SMALL and c not in CN_BIG for c in s):
        return None
    if all(c in CN_DIGITS for c in s):
        return int("".join(str(CN_DIGITS[c]) for c in s))
    total = wan = section = num = 0
    pending = zero = False
    last_unit = 0
    for c in s:
        if c in CN_DIGITS:
            d = CN_DIGITS[c]
            if d == 0:
                zero = True
                continue
            if pending:
                return None
            num, pending = d, True
        elif c in CN_SMALL:
            u = CN_SMALL[c]
            section += (num if pending else 1) * u
            num, pending, zero, last_unit = 0, False, False, u
        else:
            u = CN_BIG[c]
            part = section + num
            if u == 10_000:
                wan += (part or 1) * u
            else:
                total = ((total + wan + part) or 1) * u
                wan = 0
            section = num = 0
            pending, zero, last_unit = False, False, u
    if pending and not zero and last_unit >= 100:
        num = num * last_unit // 10  # colloquial 一百二 = 120, 三千五 = 3500
    return total + wan + section + num


def parse_chinese_number(s: str) -> Decimal | None:
    """Value of a Chinese numeral: "一百二十" → 120, "二〇二五" → 2025, "一点五" → 1.5,
    "两" → 2; None when ``s`` is not one number."""
    s = s.strip()
    whole, dot, frac = s.partition("点")
    iv = parse_cn_int(whole)
    if iv is None:
        return None
    if not dot:
        return Decimal(iv)
    if not frac or any(c not in CN_DIGITS for c in frac):
        return None
    return Decimal(f"{iv}.{''.join(str(CN_DIGITS[c]) for c in frac)}")

def cn_decimals(number: str) -> int:
    _, dot, frac = number.partition("点")
    return len(frac) if dot else 0



# --------------------------------------------------------------------------- counting

ORDINAL_NUMERALS = "一二三四五六七八九十"  # the numerals of heading and 一是 counters
_GEN_DIGITS = "〇一二三四五六七八九"
_GEN_UNITS = ("", "十", "百", "千")
LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
LEGAL_UNITS = ("", "拾", "佰", "仟")


def parse_ordinal(numeral: str) -> int | None:
    """A counting numeral as used in 一、（十二）十一是: 一 → 1, 十 → 10, 二十三 → 23.

    Digit strings ("一二", "二〇二五") are years and codes, not counters: None. So is
    anything that is not a well-formed counting numeral.
    """
    if not numeral or any(c not in ORDINAL_NUMERALS + "百零" for c in numeral):
        return None
    if len(numeral) > 1 and not any(c in "十百" for c in numeral):
        return None
    value = parse_cn_int(numeral)
    return value if value else None


def to_chinese(n: int, digits: str = _GEN_DIGITS, units: tuple[str, ...] = _GEN_UNITS) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (1–9999; else Arabic).

    ``digits``/``units`` give other scripts of the same grammar (LEGAL_DIGITS: 壹拾贰).
    """
    if n <= 0 or n > 9999:
        return str(n)
    parts: list[str] = []
    text = str(n)
    zero = False
    for i, ch in enumerate(text):
        d = int(ch)
        unit = units[len(text) - 1 - i]
        if d == 0:
            zero = True
            continue
        if zero and parts:
            parts.append("零" if digits is _GEN_DIGITS else digits[0])
        zero = False
        parts.append(digits[d] + unit)
    result = "".join(parts)
    if digits is _GEN_DIGITS and 10 <= n < 20:
        result = result[1:]  # 十二, not 一十二
    return result


def digit_string(n: int) -> str:
    """2025 → 二〇二五: digit by digit, as Word's ideographDigital shows it."""
    return "".join(_GEN_DIGITS[int(d)] for d in str(n))
