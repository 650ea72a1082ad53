"""The figures of one summary as validated models: Indicator, PlanTarget, WorkArea, Plan,
FiguresFile, and the field validators behind them.

Reading files into these models is :mod:`drafter.figures.load` (YAML) and
:mod:`drafter.figures.tables` (.xlsx/.csv); the slots a draft uses are
:mod:`drafter.figures.slots`.

The figures file (YAML)
=======================

::

    bureau: 示例县科学技术局          # required
    region: 示例县                    # optional
    year: 2025                        # required, integer 2000–2100
    period: annual                    # annual (default) | half_year; also 全年 / 上半年
    title: null                       # optional; composed by default:
                                      #   annual:    {bureau}{year}年工作总结及{year+1}年工作打算
                                      #   half_year: {bureau}{year}年上半年工作总结及下半年工作打算
    sections:                         # work areas, one （一） each; at least one
      - id: entities                  # optional ASCII slug; default s1, s2, …
        name: 科技创新主体培育
        indicators:
          - name: 高新技术企业
            value: 42                 # a number only; the unit goes in `unit`
            unit: 家                  # required
            previous: 36              # optional: last year's value → 同比
            target: 40                # optional: this year's target → 完成率
            basis: 有效期内            # optional 口径 note
            aliases: [高新技术企业, 高企]  # optional: other names a draft may use for it
            qualifier: null            # optional: 多/余 (130多个), 约/近/超过 (约3000人),
                                       #   以上/左右 (100家以上); "value: 130多" works too
            kind: count               # optional: count | amount | rate
            verb: null                # optional: 新增/获/实现 …, "" for none; chosen from the
                                      #   name when left out (drafter.figures.verbs)
        facts:                        # sentences of what was done; their numbers are figures too
          - 组织高新技术企业认定政策培训3场，覆盖企业86家
        points:                       # optional: the area's own （一）（二） points (one level
          - name: 实施企业梯次培育        #   below the area), each with its facts; the area's
            facts:                    #   indicators and plain facts stay with the area
              - 新认定科技型中小企业120家
    problems:
      - 全社会研发投入强度仍低于全市平均水平
    plan:
      targets:
        - {name: 新增高新技术企业, value: 6, unit: 家, qualifier: 以上}   # verb works here too
      priorities:
        - 深入实施科技型企业梯次培育行动

Numbers keep the decimals they were written with: YAML floats are read as
:class:`decimal.Decimal` from their source text, so ``1.50`` stays ``1.50``; integers stay
``int``. ``kind`` is inferred from the unit when omitted: ``%`` → ``rate`` (a proportion,
0–100, changes worded in 百分点), money units (元/千元/万元/亿元…) → ``amount`` (may be
negative), anything else → ``count`` (never negative). Plan-target ``qualifier`` is one of
以上/及以上/左右/以内/以下 (written after the number: "6家以上") or
力争/确保/争取/不低于/不少于/超过/突破/达到 (written before it: "不低于6家").

Errors are :class:`~drafter.errors.InputError` in Chinese, naming the file, the place
(``sections[2].indicators[0].value`` plus the YAML line, or 第N行“列名”列 for tables),
what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from drafter.errors import InputError
from drafter.figures.key_hints import KEY_HINTS
from drafter.figures.qualifiers import (
    indicator_qualifier,
    parse_aliases,
    qualified_quantity,
    split_value_qualifier,
)
from drafter.figures.quantities import (
    MONEY_FACTORS,
    Number,
    Problem,
    format_number,
    format_quantity,
    number_text,
    parse_number,
    show_value,
)
from drafter.figures.verbs import parse_verb
from drafter.figures.wording import is_percent_unit
from drafter.models import Period


class UnknownSectionError(InputError):
    """A section id that is neither a work area of the figures nor a pseudo section."""


# ---------------------------------------------------------------------------------------
# Validators used by the models
# ---------------------------------------------------------------------------------------


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise Problem("是空的", "填写文字内容，或删除这一项")
        if any(brace in text for brace in "{}｛｝"):  # drafts use them for slots: {F1}
            raise Problem(
                f"文字中不能有花括号：{show_value(text)}", "花括号留作槽位标记，请删去或改用（）"
            )
        return text
    if raw is None:
        raise Problem("是空的", "填写文字内容，或删除这一项")
    if isinstance(raw, Mapping):
        raise Problem(
            "应为一句文字，却被读成了键值对",
            "句中的英文冒号后跟空格会被 YAML 当作“键: 值”，请改用中文冒号“：”或给整句加引号",
        )
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        written = number_text(raw)
        if written is not None:
            return written
    raise Problem(f"应为文字，实际是{show_value(raw)}", "填写文字内容，必要时给整句加引号")


def _optional_text(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _text(raw)


def _optional_number(raw: Any) -> Number | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_number(raw)


def _unit(raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise Problem("缺少单位", "填写计量单位，如 unit: 家、项、万元、%")
    if not isinstance(raw, str):
        raise Problem(
            f"单位应为文字，实际是{show_value(raw)}", "填写计量单位，如 unit: 家、项、万元、%"
        )
    unit = raw.strip().replace("％", "%")
    # 十 百 千 万 亿 belong to units (万元, 千米, 百分点); the digits never do
    if any(ch.isdigit() or ch in "零〇一二两三四五六七八九" for ch in unit):
        raise Problem(
            f"单位里不能有数字：{show_value(unit)}",
            "单位只写计量单位，如 家、万元、%；数字写在 value",
        )
    if len(unit) > 10:
        raise Problem(
            f"单位太长：{show_value(unit)}",
            "单位只写计量单位，如 家、万元、%；说明写在 basis（口径）",
        )
    return unit


_YEAR_TEXT_RE = re.compile(r"\d{4}")


def _year(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise Problem(f"年份应为整数，实际是{show_value(raw)}", "写成四位数字，如 year: 2025")
    if isinstance(raw, str):
        if not _YEAR_TEXT_RE.fullmatch(raw.strip()):
            fix = "写成四位数字，如 year: 2025"
            found = re.search(r"\d{4}", raw)
            if found:
                fix = f"只写四位数字：year: {found.group()}"
            raise Problem(f"年份应为整数，实际是{show_value(raw)}", fix)
        return _year(int(raw.strip()))
    if isinstance(raw, Decimal):
        raise Problem(f"年份应为整数，实际是{show_value(raw)}", "写成四位数字，如 year: 2025")
    if not 2000 <= raw <= 2100:
        raise Problem(
            f"年份不合理：{show_value(raw)}", "填写总结所属的年份（2000—2100之间），如 year: 2025"
        )
    return raw


_PERIOD_ALIASES: dict[str, Period] = {
    "annual": Period.ANNUAL,
    "year": Period.ANNUAL,
    "全年": Period.ANNUAL,
    "年度": Period.ANNUAL,
    "年": Period.ANNUAL,
    "half_year": Period.HALF_YEAR,
    "half-year": Period.HALF_YEAR,
    "halfyear": Period.HALF_YEAR,
    "上半年": Period.HALF_YEAR,
    "半年": Period.HALF_YEAR,
}


def _period(raw: Any) -> Period:
    if isinstance(raw, Period):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _PERIOD_ALIASES:
        return _PERIOD_ALIASES[raw.strip().lower()]
    raise Problem(
        f"未知的总结期间：{show_value(raw)}",
        "period 只能是 annual（全年）或 half_year（上半年）",
    )


class IndicatorKind(StrEnum):
    """How an indicator is checked and worded."""

    COUNT = "count"  # items: never negative; 增加/减少 N家
    AMOUNT = "amount"  # money and other totals: may be negative
    RATE = "rate"  # a proportion in %, 0–100; changes in 百分点


_KIND_ALIASES: dict[str, IndicatorKind] = {
    "count": IndicatorKind.COUNT,
    "数量": IndicatorKind.COUNT,
    "计数": IndicatorKind.COUNT,
    "amount": IndicatorKind.AMOUNT,
    "金额": IndicatorKind.AMOUNT,
    "总量": IndicatorKind.AMOUNT,
    "rate": IndicatorKind.RATE,
    "比率": IndicatorKind.RATE,
    "比例": IndicatorKind.RATE,
    "百分比": IndicatorKind.RATE,
}


def _kind(raw: Any) -> IndicatorKind:
    if isinstance(raw, IndicatorKind):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _KIND_ALIASES:
        return _KIND_ALIASES[raw.strip().lower()]
    raise Problem(
        f"未知的指标性质：{show_value(raw)}",
        "kind 只能是 count（数量）、amount（金额/总量）或 rate（比率，单位 %）；"
        "也可以不写，按单位推断",
    )


def infer_kind(unit: str) -> IndicatorKind:
    """``%`` → rate; money units (元, 万元, 亿元 …) → amount; anything else → count."""
    if is_percent_unit(unit):
        return IndicatorKind.RATE
    if unit in MONEY_FACTORS or unit.endswith("元"):
        return IndicatorKind.AMOUNT
    return IndicatorKind.COUNT


_SLUG_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
RESERVED_SECTION_IDS = ("overview", "problems", "plan")


def _section_id(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not _SLUG_RE.fullmatch(raw.strip()):
        raise Problem(
            f"工作领域编号只能用小写英文字母、数字、下划线或连字符，并以字母开头，实际是{show_value(raw)}",
            "如 id: entities；也可以不写，程序按顺序编为 s1、s2……",
        )
    slug = raw.strip()
    if slug in RESERVED_SECTION_IDS:
        raise Problem(
            f"“{slug}”是保留的编号", f"换一个编号；{'、'.join(RESERVED_SECTION_IDS)} 已有他用"
        )
    return slug


_PREFIX_QUALIFIERS = ("力争", "确保", "争取", "不低于", "不少于", "超过", "突破", "达到")
_SUFFIX_QUALIFIERS = ("以上", "及以上", "左右", "以内", "以下")


def _qualifier(raw: Any) -> str | None:
    text = _optional_text(raw)
    if text is None or text in _PREFIX_QUALIFIERS or text in _SUFFIX_QUALIFIERS:
        return text
    raise Problem(
        f"未知的限定词：{show_value(text)}",
        f"qualifier 可用：{'、'.join(_SUFFIX_QUALIFIERS)}（写在数字后），"
        f"{'、'.join(_PREFIX_QUALIFIERS)}（写在数字前）",
    )


def _none_to_list(raw: Any) -> Any:
    return [] if raw is None else raw


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
FigureValue = Annotated[int | Decimal, BeforeValidator(parse_number)]
OptionalFigure = Annotated[int | Decimal | None, BeforeValidator(_optional_number)]
Unit = Annotated[str, BeforeValidator(_unit)]
Year = Annotated[int, BeforeValidator(_year)]
PeriodField = Annotated[Period, BeforeValidator(_period)]
KindField = Annotated[IndicatorKind, BeforeValidator(_kind)]
SectionId = Annotated[str, BeforeValidator(_section_id)]
Qualifier = Annotated[str | None, BeforeValidator(_qualifier)]
TextList = Annotated[list[Text], BeforeValidator(_none_to_list)]
AliasList = Annotated[list[Text], BeforeValidator(parse_aliases)]


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = list(cls.model_fields)
            for key in data:
                if isinstance(key, str) and key in allowed:
                    continue
                name = str(key)
                guess = KEY_HINTS.get(name)
                if guess not in allowed:
                    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
                    guess = close[0] if close else None
                listed = "、".join(allowed)
                fix = (
                    f"是不是想写“{guess}”？此处可用的字段：{listed}"
                    if guess
                    else (f"此处可用的字段：{listed}")
                )
                raise Problem(f"未知字段{show_value(name)}", fix, at=(name,))
        return data


class _Quantity(_Model):
    name: Text
    value: FigureValue
    unit: Unit
    kind: KindField = IndicatorKind.COUNT
    # The verb code writes with the name (获省级科学技术奖3项); None: chosen from the name
    verb: Annotated[str | None, BeforeValidator(parse_verb)] = None

    @model_validator(mode="before")
    @classmethod
    def _infer_kind(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("kind") in (None, ""):
            unit = data.get("unit")
            rest = {k: v for k, v in data.items() if k != "kind"}
            if isinstance(unit, str) and unit.strip():
                return {**rest, "kind": infer_kind(unit.strip().replace("％", "%"))}
            return rest
        return data

    @model_validator(mode="after")
    def _check_quantity(self) -> Self:
        if self.kind is IndicatorKind.COUNT and is_percent_unit(self.unit):
            raise Problem(
                "单位是 % 的指标不能是 count（数量）",
                "删去 kind（按单位推断为 rate），或把 kind 改为 rate / amount",
                at=("kind",),
            )
        if self.kind is IndicatorKind.RATE and not is_percent_unit(self.unit):
            raise Problem(
                f"rate（比率）类指标的单位应为 %，实际是{show_value(self.unit)}",
                "把 unit 改为 %，或把 kind 改为 count / amount",
                at=("unit",),
            )
        self._check_number("value", self.value)
        return self

    def _check_number(self, key: str, number: Number | None) -> None:
        if number is None:
            return
        label = {"value": "数值", "previous": "上年数", "target": "目标"}[key]
        if self.kind is IndicatorKind.COUNT and number < 0:
            raise Problem(
                f"{label}不能为负数：{format_number(number)}（{self.name}是数量）",
                "检查是否填错；减少的情况请填本年和上年的实际数，由程序计算“减少”。"
                "确实可以为负的金额类指标请写 kind: amount",
                at=(key,),
            )
        if self.kind is IndicatorKind.RATE and not 0 <= number <= 100:
            raise Problem(
                f"比率（单位 %）应在0到100之间，实际是{format_number(number)}",
                "检查是否多乘了100或填错了列；增长率一类可超过100或为负的百分数请写 kind: amount，"
                "更好的做法是填本年和上年的绝对数，由程序计算同比",
                at=(key,),
            )


class Indicator(_Quantity):
    """One figure of the year, with last year's value and this year's target if known."""

    previous: OptionalFigure = None
    target: OptionalFigure = None
    basis: OptionalText = None
    # Other names a draft may call the indicator by (高企 for 高新技术企业): a slot {F1}
    # must follow the indicator's name or one of these within its clause.
    aliases: AliasList = []
    # 多/余 (130多个), 约/近 (约3000人) or 以上/左右 (100家以上): kept wherever it is written.
    qualifier: Annotated[str | None, BeforeValidator(indicator_qualifier)] = None

    @model_validator(mode="before")
    @classmethod
    def _value_qualifier(cls, data: Any) -> Any:
        """``value: 130多`` means value 130 with qualifier 多."""
        if isinstance(data, Mapping) and data.get("qualifier") in (None, ""):
            value, qualifier = split_value_qualifier(data.get("value"))
            if qualifier is not None:
                return {**data, "value": value, "qualifier": qualifier}
        return data

    @model_validator(mode="after")
    def _check_indicator(self) -> Self:
        self._check_number("previous", self.previous)
        self._check_number("target", self.target)
        if self.target is not None and self.target <= 0 and self.kind is not IndicatorKind.RATE:
            raise Problem(
                f"目标必须大于0，实际是{format_number(self.target)}，无法计算完成率",
                "填写年初确定的目标值；没有目标就删去 target",
                at=("target",),
            )
        return self

    @property
    def label(self) -> str:
        """The name with its 口径 note: "全社会研发经费投入强度（预计）"."""
        return f"{self.name}（{self.basis}）" if self.basis else self.name

    @property
    def text(self) -> str:
        """The value as it is written, with its qualifier: "130多个", "约3000人"."""
        return qualified_quantity(self.value, self.unit, self.qualifier)


class PlanTarget(_Quantity):
    """A target for the next period: "新增高新技术企业6家以上"."""

    qualifier: Qualifier = None

    @property
    def text(self) -> str:
        quantity = format_quantity(self.value, self.unit)
        if self.qualifier in _PREFIX_QUALIFIERS:
            return f"{self.qualifier}{quantity}"
        return f"{quantity}{self.qualifier or ''}"


class WorkPoint(_Model):
    """A sub-heading of a work area with its own facts: one （一） point under an area
    that is itself a 一、 part (or a 1. point under a （一） area)."""

    name: Text
    facts: TextList = []

    @model_validator(mode="after")
    def _check_point(self) -> Self:
        if not self.facts:
            raise Problem(
                f"要点{show_value(self.name)}没有工作事实",
                "在这个要点的 facts: 下至少写一句工作事实，或删除这个要点",
                at=("facts",),
            )
        return self


class WorkArea(_Model):
    """A work area, rendered as one （一） of the achievements part (or one 一、 part)."""

    id: SectionId = ""
    name: Text
    indicators: Annotated[list[Indicator], BeforeValidator(_none_to_list)] = []
    facts: TextList = []
    points: Annotated[list[WorkPoint], BeforeValidator(_none_to_list)] = []

    @model_validator(mode="after")
    def _check_area(self) -> Self:
        if not self.indicators and not self.facts and not self.points:
            raise Problem(
                f"工作领域{show_value(self.name)}既没有指标也没有工作事实",
                "至少写一项 indicators、facts 或 points，或删除这个工作领域",
            )
        names = [p.name for p in self.points]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise Problem(
                    f"要点名称重复：{show_value(name)}",
                    "同一工作领域内每个要点（points）只写一次，或把两处的 facts 合并",
                    at=("points", index, "name"),
                )
        seen: dict[str, int] = {}
        for index, indicator in enumerate(self.indicators):
            if indicator.name in seen:
                raise Problem(
                    f"指标名称重复：{show_value(indicator.name)}"
                    f"（与 indicators[{seen[indicator.name]}] 相同）",
                    "同一工作领域内每个指标只写一次；口径不同请改名区分，如“专利授权（发明）”",
                    at=("indicators", index, "name"),
                )
            seen[indicator.name] = index
        return self


class Plan(_Model):
    """Next period's targets and priorities (the 工作打算)."""

    targets: Annotated[list[PlanTarget], BeforeValidator(_none_to_list)] = []
    priorities: TextList = []

    @model_validator(mode="after")
    def _check_plan(self) -> Self:
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.name in seen:
                raise Problem(
                    f"目标名称重复：{show_value(target.name)}",
                    "每个目标只写一次",
                    at=("targets", index, "name"),
                )
            seen.add(target.name)
        return self


def _non_empty_sections(sections: list[WorkArea]) -> list[WorkArea]:
    if not sections:
        raise Problem(
            "工作领域列表 sections 是空的",
            "至少写一个工作领域：sections: 下以“- name: …”列出，每个含 indicators 或 facts",
        )
    return sections


class FiguresFile(_Model):
    """The validated figures of one summary. ``title`` and every section ``id`` are filled
    in after validation (composed / derived when the file leaves them out)."""

    bureau: Text
    region: OptionalText = None
    year: Year
    period: PeriodField = Period.ANNUAL
    title: Annotated[str, BeforeValidator(lambda raw: _optional_text(raw) or "")] = ""
    sections: Annotated[
        list[WorkArea], BeforeValidator(_none_to_list), AfterValidator(_non_empty_sections)
    ]
    problems: TextList = []
    plan: Plan = Field(default_factory=Plan)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        explicit: dict[str, int] = {}
        for index, area in enumerate(self.sections):
            if area.id:
                if area.id in explicit:
                    raise Problem(
                        f"工作领域编号重复：“{area.id}”（与 sections[{explicit[area.id]}] 相同）",
                        "每个工作领域的 id 要不同，或删去 id 由程序编号",
                        at=("sections", index, "id"),
                    )
                explicit[area.id] = index
        for index, area in enumerate(self.sections):
            if not area.id:
                default = f"s{index + 1}"
                if default in explicit:
                    raise Problem(
                        f"sections[{explicit[default]}] 的编号“{default}”"
                        f"与第{index + 1}个工作领域的默认编号冲突",
                        "换一个编号，或为所有工作领域都写上 id",
                        at=("sections", explicit[default], "id"),
                    )
                area.id = default
        if not self.title:
            if self.period is Period.HALF_YEAR:
                self.title = f"{self.bureau}{self.year}年上半年工作总结及下半年工作打算"
            else:
                self.title = f"{self.bureau}{self.year}年工作总结及{self.year + 1}年工作打算"
        return self

    def section(self, section_id: str) -> WorkArea:
        """The work area with this id."""
        for area in self.sections:
            if area.id == section_id:
                return area
        raise UnknownSectionError(
            f"没有编号为“{section_id}”的工作领域",
            hint=f"可用的编号：{'、'.join(a.id for a in self.sections)}",
        )

    def points(self) -> Iterator[tuple[WorkArea, int, WorkPoint]]:
        """Every point (sub-heading) with its work area and 1-based number, in file order;
        its slots belong to :func:`point_section_id` (area id, number)."""
        for area in self.sections:
            for number, point in enumerate(area.points, start=1):
                yield area, number, point

    def indicators(self) -> Iterator[tuple[WorkArea, Indicator]]:
        """Every indicator with its work area, in file order."""
        for area in self.sections:
            for indicator in area.indicators:
                yield area, indicator


def point_section_id(area_id: str, number: int) -> str:
    """The slot section of a work area's n-th point ("entities.p2"; area ids have no dot)."""
    return f"{area_id}.p{number}"
