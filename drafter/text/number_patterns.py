"""The patterns the number scanner matches, and the small parsers that read their matches.

Split from the scanner (:mod:`drafter.text.scanner`) so the regular expressions, which
are data, sit apart from the passes that apply them in priority order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from drafter.text.numerals import (
    CN_DIGITS,
    CN_RUN_CLASS,
    parse_chinese_number,
)

_SEP = r"(?:[-~—–]|至|到)"
RANGE_SEP = re.compile(r"[ \t]?" + _SEP + r"[ \t]?")
_SP = r"[ \t\u00a0]?"
_CN_INT = f"[{CN_RUN_CLASS}]+"
_CN_DEC = f"[{CN_RUN_CLASS}]+(?:点[零〇一二三四五六七八九]+)?"
_CN_MD = "[一二三四五六七八九十]"

CODE = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z0-9]+(?:[.\-/][A-Za-z0-9]+)*(?![A-Za-z0-9_])")

DOCNO = re.compile(r"[〔\[【(]([0-9]{4})[〕\]】)]" + _SP + r"第?([0-9]+)" + _SP + "号")
ISO_DATE = re.compile(r"(?<![0-9.])([0-9]{4})([-./])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
YEAR_RANGE = re.compile(
    r"(?<![0-9.])([0-9]{4})" + _SP + "年?" + _SP + _SEP + _SP + r"([0-9]{4})" + _SP + "年(度)?"
)
_MD_AR = (
    r"(?P<m1>[0-9]{1,2})(?:" + _SP + _SEP + _SP + r"(?P<m2>[0-9]{1,2}))?" + _SP + "月(?:份)?"
    r"(?:"
    + _SP
    + r"(?P<d1>[0-9]{1,2})(?:"
    + _SP
    + _SEP
    + _SP
    + r"(?P<d2>[0-9]{1,2}))?"
    + _SP
    + "[日号])?"
)
DATE_AR = re.compile(
    r"(?<![0-9.])(?P<y>[0-9]{4})" + _SP + "年(?P<du>度)?(?:" + _SP + _MD_AR + r")?(?P<since>以来)?"
)
MONTH_AR = re.compile(r"(?<![0-9.])" + _MD_AR)
_MD_CN = (
    f"(?P<m1>{_CN_MD}{{1,2}})(?:{_SEP}(?P<m2>{_CN_MD}{{1,2}}))?月(?:份)?"
    f"(?:(?P<d1>{_CN_MD}{{1,3}})(?:{_SEP}(?P<d2>{_CN_MD}{{1,3}}))?[日号])?"
)
DATE_CN = re.compile(
    f"(?<![{CN_RUN_CLASS}])(?P<y>[〇零一二三四五六七八九]{{4}})年(?P<du>度)?(?:{_MD_CN})?(?P<since>以来)?"
)
MONTH_CN = re.compile(f"(?<![{CN_RUN_CLASS}第个])" + _MD_CN)
QUARTER = re.compile(f"(?<![{CN_RUN_CLASS}0-9])(前|第)?([一二三四1-4])" + _SP + "季度")
PERCENT_CN = re.compile(f"百分之({_CN_DEC})(?:{_SEP}(?:百分之)?({_CN_DEC}))?")
FRACTION_CN = re.compile(f"(?<![{CN_RUN_CLASS}])([{CN_RUN_CLASS}]+)分之({_CN_DEC})")
FRACTION_AR = re.compile(r"(?<![0-9./])([0-9]+)/([0-9]+)(?![0-9/])")
DOUBLING = re.compile(r"翻了?([一两二三四五六七八九十]+)番")
AR_NUM = re.compile(r"(?<![0-9])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?")
CN_RUN = re.compile(_CN_DEC)
_APPROX_CN = re.compile(r"^(.*?)([一二两三四五六七八九])([二两三四五六七八九])([十百千万亿]*)$")

#: Reads a matched group as an int (Arabic or Chinese digits); None when it cannot.
IntParser = Callable[[str], int | None]


def int_or_none(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def decimal_or_none(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def is_year(y: int) -> bool:
    return 1900 <= y <= 2100


def valid_md(m: re.Match[str], parse: IntParser) -> bool:
    """Month 1–12 and day 1–31 for every month/day group present."""
    for group, top in (("m1", 12), ("m2", 12), ("d1", 31), ("d2", 31)):
        raw = m.group(group)
        if raw is None:
            continue
        v = parse(raw)
        if v is None or not 1 <= v <= top:
            return False
    return True


def cn_parts(run: str) -> list[tuple[int, int, Decimal, Decimal | None]]:
    """Split a run of Chinese numerals into numbers: (offset, length, value, high).

    One number when it parses (一百二十); an approximation 三四/三五/二三十 as a range;
    otherwise the longest parseable prefixes one after another (十四五 → 十四, 五).
    """
    if not run:
        return []
    whole = parse_chinese_number(run)
    digits_only = all(c in CN_DIGITS for c in run)
    if "点" not in run and (len(run) == 2 or not digits_only):
        approx = _APPROX_CN.match(run)
        if approx:
            pre, d1, d2, units = approx.groups()
            v1, v2 = CN_DIGITS[d1], CN_DIGITS[d2]
            if v2 == v1 + 1 or (v1, v2) == (3, 5):
                low = parse_chinese_number(pre + d1 + units)
                high = parse_chinese_number(pre + d2 + units)
                if low is not None and high is not None:
                    return [(0, len(run), low, high)]
    if whole is not None:
        return [(0, len(run), whole, None)]
    out: list[tuple[int, int, Decimal, Decimal | None]] = []
    i = 0
    while i < len(run):
        for j in range(len(run), i, -1):
            v = parse_chinese_number(run[i:j])
            if v is not None:
                out.append((i, j - i, v, None))
                i = j
                break
        else:
            i += 1
    return out
