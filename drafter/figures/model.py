"""The figures of one summary as validated models: Indicator, PlanTarget, WorkArea, Plan,
FiguresFile (their field types and validators: :mod:`drafter.figures.fields`).

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
from collections.abc import Iterator, Mapping
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
from drafter.figures.fields import (
    PREFIX_QUALIFIERS,
    AliasList,
    FigureValue,
    IndicatorKind,
    KindField,
    OptionalFigure,
    OptionalText,
    PeriodField,
    Qualifier,
    SectionId,
    Text,
    TextList,
    Unit,
    Year,
    infer_kind,
    none_to_list,
    optional_text,
)
from drafter.figures.key_hints import KEY_HINTS
from drafter.figures.qualifiers import (
    indicator_qualifier,
    qualified_quantity,
    split_value_qualifier,
)
from drafter.figures.quantities import (
    Number,
    Problem,
    format_number,
    format_quantity,
    show_value,
)
from drafter.figures.verbs import parse_verb
from drafter.figures.wording import is_percent_unit
from drafter.models import Period


class UnknownSectionError(InputError):
    """A section id that is neither a work area of the figures nor a pseudo section."""


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
        if self.qualifier in PREFIX_QUALIFIERS:
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
    indicators: Annotated[list[Indicator], BeforeValidator(none_to_list)] = []
    facts: TextList = []
    points: Annotated[list[WorkPoint], BeforeValidator(none_to_list)] = []

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

    targets: Annotated[list[PlanTarget], BeforeValidator(none_to_list)] = []
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
    title: Annotated[str, BeforeValidator(lambda raw: optional_text(raw) or "")] = ""
    sections: Annotated[
        list[WorkArea], BeforeValidator(none_to_list), AfterValidator(_non_empty_sections)
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
