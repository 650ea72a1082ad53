"""Document metadata of a summary: bureau, region and its level, year, period."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from drafter.models import DocMeta, Period

__all__ = ["infer_meta"]

_CJK = "\u4e00-\u9fff"
_REGION_SUFFIX = "省市县区旗州盟"
_KNOWN_BUREAUS = (
    "科学技术和工业信息化局",
    "科技和工业信息化局",
    "工业和信息化局",
    "发展和改革局",
    "市场监督管理局",
    "住房和城乡建设局",
    "文化和旅游局",
    "科学技术局",
    "农业农村局",
    "自然资源局",
    "生态环境局",
    "交通运输局",
    "科技局",
)
_BUREAU_RE = re.compile("(?P<bureau>" + "|".join(_KNOWN_BUREAUS) + rf"|[{_CJK}]{{1,9}}局)")
_NOT_BUREAUS = {"格局", "布局", "局部", "全局", "大局", "结局", "当局", "开局", "新格局", "新局"}
_REGION_LEVELS = {
    "省": "province",
    "自治区": "province",
    "市": "city",
    "州": "city",
    "盟": "city",
    "县": "county",
    "旗": "county",
    "区": "district",
}

# =========================================================================================
# metadata
# =========================================================================================


def infer_meta(title: str | None, text: str, hints: DocMeta | None = None) -> DocMeta:
    """Metadata from the title (first) and the text; every explicit hint wins."""
    bureau, region, level = _bureau_and_region(title, text)
    inferred = DocMeta(
        title=title,
        bureau=bureau,
        region=region,
        region_level=level,
        year=_infer_year(title, text),
        period=_infer_period(title, text),
    )
    if hints is None:
        return inferred
    overrides = {
        name: getattr(hints, name)
        for name in ("title", "bureau", "region", "region_level", "year", "period")
        if getattr(hints, name) is not None
    }
    return replace(inferred, **overrides)


def _bureau_and_region(title: str | None, text: str) -> tuple[str | None, str | None, str | None]:
    """Bureau, region and level from the title, else the top or the signature of the text."""
    lines = [line for line in text.split("\n") if line.strip()]
    sources = [title or "", "\n".join(lines[:3])[:300], "\n".join(lines[-3:])[-200:]]
    bureau: str | None = None
    region: str | None = None
    level: str | None = None
    for source in sources:
        found = _find_bureau(source)
        if found is None:
            continue
        b, r, lv = found
        bureau = bureau or b
        if r and region is None and (level is None or lv == level):
            region, level = r, lv
        level = level or lv
        if bureau and region:
            break
    return bureau, region, level


def _find_bureau(source: str) -> tuple[str, str | None, str | None] | None:
    for m in _BUREAU_RE.finditer(source):
        found = m.group("bureau")
        known = next((k for k in _KNOWN_BUREAUS if found.endswith(k)), None)
        if known:
            cut = len(found) - len(known) - 1
        else:
            # "寿光市水利局": the bureau starts after the last region suffix
            cut = max(found.rfind(c) for c in _REGION_SUFFIX)
            if cut < 0 or len(found) - cut - 1 < 2 or found[cut + 1 :] in _NOT_BUREAUS:
                continue
        region, level = _region_before(source[: m.start()] + found[: cut + 1])
        return found[cut + 1 :], region, level
    return None


def _region_before(prefix: str) -> tuple[str | None, str | None]:
    """Region before a bureau: "…寿光市" → 寿光市/city; "…县" → level only; XX县 → level only."""
    m = re.search(rf"([{_CJK}A-Za-z*＊]{{0,12}}?)(自治区|[{_REGION_SUFFIX}])$", prefix)
    if not m:
        return None, None
    level = _REGION_LEVELS[m.group(2)]
    name = re.split(r"[年度于的及和在与]", m.group(1))[-1]
    if not name or re.search(r"[Xx×*＊]", name):
        return None, level
    return name + m.group(2), level


def _infer_year(title: str | None, text: str) -> int | None:
    """The summarised year: the one before 总结 in the title, else the commonest in the text."""
    if title and not re.search(r"20[Xx×*]{2}|[Xx]{2,4}年", title):
        years = list(re.finditer(r"(?<!\d)(20\d{2})\s*年", title))
        summary_at = title.find("总结")
        before = [y for y in years if summary_at >= 0 and y.start() < summary_at]
        if before:
            return int(before[-1].group(1))
        if years:
            return int(years[0].group(1))
    counts = Counter(int(y) for y in re.findall(r"(?<!\d)(20\d{2})(?=\s*年)", text))
    if not counts:
        return None
    return min(counts, key=lambda y: (-counts[y], y))


def _infer_period(title: str | None, text: str) -> Period:
    half = re.compile(r"上半年|半年|1[-—至~]6月|一至六月")
    if title:
        return Period.HALF_YEAR if half.search(title) else Period.ANNUAL
    half_in_text = re.search(r"上半年工作总结|上半年以来|今年上半年", text[:200])
    return Period.HALF_YEAR if half_in_text else Period.ANNUAL


def bureau_key(name: str) -> str:
    """科学技术局 and 科技局 name the same bureau; spaces never matter."""
    return re.sub(r"\s+", "", name).replace("科学技术", "科技")


def is_own_bureau(
    stored_bureau: str | None, stored_region: str | None, bureau: str, region: str | None = None
) -> bool:
    """Whether a stored summary (its bureau and region as the store keeps them apart:
    科学技术局, 示例县) is by ``bureau`` (a figures file's full name, 示例县科学技术局).

    The one rule for "the bureau's own" (exemplar boost, leadership line, house outline):
    the stored bureau ends the full name, and the stored region, when known, is the
    figures file's region or opens the full name; without a stored region only the full
    name itself matches (a bare 科技局 could be anyone's)."""
    if not stored_bureau or not bureau:
        return False
    full, own = bureau_key(bureau), bureau_key(stored_bureau)
    if not full.endswith(own):
        return False
    if stored_region:
        return stored_region == region or full.startswith(bureau_key(stored_region))
    return full == own
