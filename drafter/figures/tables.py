"""Read a figures table (.xlsx or .csv) into the structure of the YAML figures file.

Split out of the figures model: spreadsheets are a reader of their own (merged cells,
percentage formats, header detection, size limits).

The same figures as a table (.xlsx or .csv)
===========================================

Designed so that the indicator table a bureau already keeps loads as it is::

    2025年科技工作主要指标完成情况表                 ← title rows before the header: ignored
    单位名称 | 示例县科学技术局                      ← header block: 名称 | 值
    年度     | 2025
    工作领域 | 指标 | 单位 | 2025年 | 2024年 | 2025年目标 | 口径 | 类型   ← the header row
    科技创新主体培育 | 高新技术企业 | 家 | 42 | 36 | 40 | 有效期内 |
                    | 科技型中小企业 | 家 | 150 | 128 | 140 |     |   ← empty 工作领域: as above
    科技创新主体培育 | 组织政策培训3场，覆盖企业86家 | | | | | | 事实
    | 全社会研发投入强度仍低于全市平均水平 | | | | | | 问题
    | 新增高新技术企业 | 家 | 6 | | | | 目标        ← with 限定 column: 以上
    | 深入实施科技型企业梯次培育行动 | | | | | | 重点

* ``.xlsx``: the first worksheet (not named 基本信息). The header block may instead be a
  worksheet named **基本信息** with the same 名称 | 值 rows. Merged 工作领域 cells work
  (an empty 工作领域 cell continues the one above). Formula cells are read as the value
  Excel saved; cells formatted as percentages (0.00%) are read as percentages (23.39, unit
  % when the 单位 cell is empty); a number shown with a fixed number of decimals keeps them.
* ``.csv``: UTF-8 (with or without BOM) or GB18030, comma separated, same layout.
* Header block names: 单位名称/填报单位/单位/bureau, 地区/region, 年度/年份/year,
  期间/时段/period (全年/上半年/annual/half_year), 标题/title.
* Header row columns (Chinese or English, spaces ignored; other columns such as 序号,
  同比, 完成率, 备注 are ignored — derived figures are always recomputed):

  ============  =====================================================  ================
  field         column names                                           YAML key
  ============  =====================================================  ================
  work area     工作领域, 领域, 工作板块, 板块, 分类, 类别, section      sections[].name
  area id       领域编号, section_id                                    sections[].id
  row type      类型, 行类型, type                                       (see below)
  name / text   指标, 指标名称, 名称, 项目, 内容, name, indicator        name / the sentence
  value         数值, 完成值, 实际完成, 本年, 本年完成, {year}年, value   value
  unit          单位, 计量单位, unit                                    unit
  previous      上年, 上年同期, 上年完成, 去年, {year-1}年, previous      previous
  target        目标, 目标值, 年度目标, 本年目标, {year}年目标, target    target
  basis         口径, 统计口径, 口径说明, basis                          basis
  aliases       别名, aliases (several separated by 、)                  aliases
  kind          指标性质, 性质, kind                                     kind
  qualifier     限定, 限定词, qualifier                                  plan.targets[].qualifier
  verb          谓语, 动词, verb ("无" or "-" for none)                  verb
  ============  =====================================================  ================

* Row types (the 类型 column; empty means 指标): 指标/indicator; 事实/工作/举措/fact
  (the sentence in the 指标 column, under its 工作领域); 问题/problem; 目标/计划目标/
  plan_target (next period's target: 指标, 数值, 单位, 限定); 重点/重点工作/priority.
* A row with only a heading such as "一、科技创新主体培育" or "（二）平台建设" starts a
  work area (for tables without a 工作领域 column). Rows starting with 注：/说明： are notes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from drafter.errors import InputError
from drafter.figures.files import decode_text, read_bytes
from drafter.figures.quantities import (
    MAX_PLACES,
    Loc,
    format_number,
    round_half_up,
    show_value,
)
from drafter.text.markers import match_marker

# An indicator table is a few KB; far beyond these it is the wrong file (or a zip bomb).
_MAX_XLSX_BYTES = 20 * 1024 * 1024
_MAX_XLSX_UNZIPPED = 50 * 1024 * 1024

_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "section": ("工作领域", "领域", "工作板块", "板块", "分类", "类别", "section", "area"),
    "section_id": ("领域编号", "section_id"),
    "type": ("类型", "行类型", "type"),
    "name": ("指标", "指标名称", "名称", "项目", "内容", "name", "indicator"),
    "value": ("数值", "完成值", "实际完成", "本年", "本年完成", "value"),
    "unit": ("单位", "计量单位", "unit"),
    "previous": ("上年", "上年同期", "上年完成", "去年", "previous"),
    "target": ("目标", "目标值", "年度目标", "本年目标", "target"),
    "basis": ("口径", "统计口径", "口径说明", "basis"),
    "aliases": ("别名", "aliases"),
    "kind": ("指标性质", "性质", "kind"),
    "qualifier": ("限定", "限定词", "qualifier"),
    "verb": ("谓语", "动词", "verb"),
}
_COLUMN_LABEL = {field: names[0] for field, names in _COLUMN_NAMES.items()}

_INFO_NAMES: dict[str, tuple[str, ...]] = {
    "bureau": ("单位名称", "填报单位", "单位", "局名", "bureau"),
    "region": ("地区", "区域", "行政区", "region"),
    "year": ("年度", "年份", "year"),
    "period": ("期间", "时段", "总结期间", "period"),
    "title": ("标题", "title"),
}

_ROW_TYPES: dict[str, tuple[str, ...]] = {
    "indicator": ("指标", "indicator"),
    "fact": ("事实", "工作", "举措", "做法", "fact"),
    "problem": ("问题", "不足", "problem"),
    "plan_target": ("目标", "计划目标", "下步目标", "plan_target", "plan target"),
    "priority": ("重点", "重点工作", "打算", "下步工作", "priority"),
}

_NOTE_RE = re.compile(r"^(?:注|说明|备注)[：:]")
_PLACES_RE = re.compile(r"0\.(0+)")


def _norm_header(raw: Any) -> str:
    return re.sub(r"\s+", "", str(raw)).lower() if raw is not None else ""


def _lookup(names: Mapping[str, tuple[str, ...]], raw: Any) -> str | None:
    key = _norm_header(raw)
    for field_name, aliases in names.items():
        if key in aliases:
            return field_name
    return None


@dataclass
class _Row:
    number: int  # as the spreadsheet shows it, from 1
    cells: list[Any]
    percent: set[int] = field(default_factory=set)  # columns formatted as percentages

    def get(self, column: int | None) -> Any:
        if column is None or column >= len(self.cells):
            return None
        value = self.cells[column]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def blank(self) -> bool:
        return all(self.get(i) is None for i in range(len(self.cells)))


@dataclass
class _Sheet:
    label: str  # "" for the data sheet of a CSV, else “名称”工作表
    rows: list[_Row]


def _xlsx_number(value: Any, number_format: str) -> tuple[Any, bool]:
    """A cell value with the decimals Excel shows; percentage cells scaled to percent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, False
    if isinstance(value, float) and not math.isfinite(value):
        return value, False  # validation names the cell
    percent = "%" in number_format
    # Excel keeps 15 significant digits; 0.1+0.2 stored as 0.30000000000000004 shows as 0.3
    number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    if percent:
        number *= 100
    if number.adjusted() >= 15:
        return number, percent  # too large to round; validation says so
    places_match = _PLACES_RE.search(number_format)
    if places_match:
        number = round_half_up(number, min(len(places_match.group(1)), MAX_PLACES))
    elif percent or number_format.strip() in {"0", "#,##0"}:
        number = round_half_up(number, 0)
    if number == number.to_integral_value() and not places_match:
        return int(number), percent
    return number, percent


def read_xlsx(path: Path) -> tuple[_Sheet, _Sheet | None]:
    import openpyxl  # local: only needed for tables

    content = read_bytes(path, _MAX_XLSX_BYTES)
    _check_xlsx_container(path, content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(
            f"{path}：无法作为 Excel 工作簿读取（{type(exc).__name__}）",
            hint="确认是 .xlsx 格式（旧的 .xls 请用 Excel/WPS 另存为 .xlsx），且文件没有损坏",
            path=str(path),
        ) from None
    info: _Sheet | None = None
    data: _Sheet | None = None
    for sheet in book.worksheets:
        title = sheet.title.strip()
        if title != "基本信息" and data is not None:
            continue  # only the first data sheet is read
        rows: list[_Row] = []
        max_row, max_col = _used_range(path, formulas[sheet.title], title)
        for cells in sheet.iter_rows(max_row=max_row, max_col=max_col) if max_row else ():
            row = _Row(number=cells[0].row if cells else len(rows) + 1, cells=[])
            for index, cell in enumerate(cells):
                value = cell.value
                if value is None:
                    raw = formulas[sheet.title][cell.coordinate].value
                    if isinstance(raw, str) and raw.startswith("="):
                        raise InputError(
                            f"{path} “{title}”工作表 {cell.coordinate} 单元格是公式，"
                            "但文件里没有保存计算结果",
                            hint="用 Excel 或 WPS 打开后保存一次，或把公式单元格复制后“粘贴为数值”",
                            path=str(path),
                        )
                value, percent = _xlsx_number(value, cell.number_format or "General")
                if percent:
                    row.percent.add(index)
                row.cells.append(value)
            rows.append(row)
        if title == "基本信息":
            info = info or _Sheet(label="“基本信息”工作表", rows=rows)
        elif data is None:
            data = _Sheet(label=f"“{title}”工作表" if len(book.worksheets) > 1 else "", rows=rows)
    if data is None:
        raise InputError(
            f"{path}：工作簿里没有指标表",
            hint="第一张工作表填写指标表；“基本信息”工作表只放单位、年度等",
            path=str(path),
        )
    return data, info


def _check_xlsx_container(path: Path, content: bytes) -> None:
    """Refuse a zip that would unpack to far more than any indicator table (zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise InputError(
            f"{path}：无法作为 Excel 工作簿读取（不是有效的 .xlsx 文件）",
            hint="确认是 .xlsx 格式（旧的 .xls 请用 Excel/WPS 另存为 .xlsx），且文件没有损坏",
            path=str(path),
        ) from None
    unpacked = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > 1024 * 1024 and member.file_size > 100 * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > _MAX_XLSX_UNZIPPED or bomb:
        raise InputError(
            f"{path}：工作簿解压后异常庞大（约 {unpacked / 1024 / 1024:.0f} MB）或压缩比异常，"
            "可能已损坏或是恶意构造的文件，已拒绝读取",
            hint="指标表只需一张工作表；请把指标复制到新建的工作簿后另存为 .xlsx",
            path=str(path),
        )


_MAX_TABLE_ROWS = 20_000
_MAX_TABLE_COLUMNS = 200


def _used_range(path: Path, sheet: Any, title: str) -> tuple[int, int]:
    """The last row and column holding a value or formula. openpyxl's own dimensions
    also count empty formatted cells (often whole columns, up to row 1048576), and a
    stray value in XFD1048576 would mean reading 17 billion cells."""
    from openpyxl.utils import get_column_letter

    filled = [key for key, cell in sheet._cells.items() if cell.value is not None]
    if not filled:
        return 0, 0
    max_row = max(row for row, _ in filled)
    max_col = max(col for _, col in filled)
    if max_row > _MAX_TABLE_ROWS or max_col > _MAX_TABLE_COLUMNS:
        row, col = max(filled, key=lambda key: (key[0] > _MAX_TABLE_ROWS, key[1], key[0]))
        raise InputError(
            f"{path} “{title}”工作表 {get_column_letter(col)}{row} 单元格有内容，"
            f"超出了指标表的合理范围（{_MAX_TABLE_ROWS}行、{_MAX_TABLE_COLUMNS}列以内）",
            hint="删除表格范围以外的内容（可按 Ctrl+End 找到最后一个单元格），或把指标复制到新建的工作表",
            path=str(path),
        )
    return max_row, max_col


def read_csv(path: Path) -> tuple[_Sheet, _Sheet | None]:
    text = decode_text(path, read_bytes(path))
    head = "\n".join(text.splitlines()[:10])
    delimiter = max(",\t;", key=head.count) if head else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [
            _Row(number=i, cells=[c if c.strip() else None for c in cells])
            for i, cells in enumerate(reader, start=1)
        ]
    except csv.Error:  # a cell over the csv module's limit (131072 characters)
        raise InputError(
            f"{path} 第{reader.line_num}行：单元格内容过长或引号不成对，无法按 CSV 读取",
            hint="用 Excel/WPS 打开检查这一行，删去大段内容或多余的引号后另存为 CSV",
            path=str(path),
        ) from None
    return _Sheet(label="", rows=rows), None


def _cell_text(value: Any) -> Any:
    """Text-valued cells: numbers become their text ("2025"), other values pass through."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_number(value)
    return value


def table_data(
    path: Path, data: _Sheet, info: _Sheet | None
) -> tuple[dict[str, Any], dict[Loc, str]]:
    """The rows of a figures table as the YAML structure, and where each field came from."""
    out: dict[str, Any] = {}
    where: dict[Loc, str] = {}

    def place(sheet: _Sheet, row: _Row, column: str | None = None) -> str:
        prefix = f"{sheet.label}" if sheet.label else ""
        cell = f"“{column}”列" if column else ""
        return f"{prefix}第{row.number}行{cell}"

    def fail(text: str, fix: str) -> InputError:
        return InputError(f"{path} {text}", hint=fix, path=str(path))

    def take_info(sheet: _Sheet, row: _Row, key: str, value: Any) -> None:
        if key in out and out[key] != value:
            raise fail(
                f"{place(sheet, row)}：{key} 与前面填写的{show_value(out[key])}不一致",
                "基本信息只填写一次（表头上方或“基本信息”工作表二选一）",
            )
        if key == "year" and isinstance(value, str) and re.fullmatch(r"\d{4}\s*年?", value):
            value = int(value.strip().rstrip("年"))
        out[key] = value
        where[(key,)] = f"{place(sheet, row)}{show_value(str(row.get(0)).strip())}"

    if info is not None:
        for row in info.rows:
            if row.blank():
                continue
            key = _lookup(_INFO_NAMES, row.get(0))
            if key is None:
                names = "、".join(names[0] for names in _INFO_NAMES.values())
                raise fail(
                    f"{place(info, row)}：未知项目{show_value(row.get(0))}",
                    f"基本信息的第一列只能是：{names}",
                )
            take_info(info, row, key, row.get(1))

    header: dict[str, int] = {}
    header_labels: dict[str, str] = {}
    start = len(data.rows)
    for position, row in enumerate(data.rows):
        mapped: dict[str, int] = {}
        labels: dict[str, str] = {}
        year = out.get("year") if isinstance(out.get("year"), int) else None
        for column in range(len(row.cells)):
            raw = row.get(column)
            if raw is None:
                continue
            key = _lookup(_COLUMN_NAMES, raw)
            norm = _norm_header(raw)
            if key is None and year is not None:
                if norm in {
                    f"{year}",
                    f"{year}年",
                    f"{year}年完成",
                    f"{year}年实际",
                    f"{year}年完成值",
                }:
                    key = "value"
                elif norm in {
                    f"{year - 1}",
                    f"{year - 1}年",
                    f"{year - 1}年完成",
                    f"{year - 1}年实际",
                }:
                    key = "previous"
                elif norm in {f"{year}年目标", f"{year}年计划", f"{year}年目标值"}:
                    key = "target"
            if key is None:
                continue
            if key in mapped:
                raise fail(
                    f"{place(data, row)}（表头）：{show_value(labels[key])}和{show_value(raw)}两列都表示"
                    f"“{_COLUMN_LABEL[key]}”",
                    "只保留其中一列，或改掉另一列的列名",
                )
            mapped[key] = column
            labels[key] = str(raw).strip()
        if "name" in mapped and ("value" in mapped or "type" in mapped):
            header, header_labels, start = mapped, labels, position + 1
            break
        info_key = _lookup(_INFO_NAMES, row.get(0))
        if info_key is not None and row.get(1) is not None:
            take_info(data, row, info_key, row.get(1))
    if not header:
        raise fail(
            "中没有找到表头行",
            "表头行至少要有“指标”列和“数值”列（数值列也可写作“本年”“完成值”，"
            "或写作“2025年”，但这时表头上方要先有“年度 | 2025”一行）；表头上方可以有标题行",
        )

    def label(key: str) -> str:
        return header_labels.get(key, _COLUMN_LABEL[key])

    def cell_place(row: _Row, key: str) -> str:
        if key in header:
            return place(data, row, label(key))
        return f"{place(data, row)}（表中没有“{_COLUMN_LABEL[key]}”列）"

    sections: list[dict[str, Any]] = []
    section_index: dict[str, int] = {}
    problems: list[Any] = []
    targets: list[dict[str, Any]] = []
    priorities: list[Any] = []
    current: str | None = None

    def section_for(row: _Row, name: Any) -> int:
        key = str(_cell_text(name)).strip()
        if key not in section_index:
            section_index[key] = len(sections)
            entry: dict[str, Any] = {"name": key, "indicators": [], "facts": []}
            section_id = row.get(header.get("section_id"))
            if section_id is not None:
                entry["id"] = section_id
            sections.append(entry)
            loc: Loc = ("sections", section_index[key])
            where[loc] = place(data, row)
            where[(*loc, "name")] = cell_place(row, "section")
            where[(*loc, "id")] = cell_place(row, "section_id")
        return section_index[key]

    for row in data.rows[start:]:
        if row.blank():
            continue
        filled = [c for c in range(len(row.cells)) if row.get(c) is not None]
        if len(filled) == 1:
            only = str(row.get(filled[0]))
            if _NOTE_RE.match(only):
                continue
            marker = match_marker(only.strip(), levels=(1, 2))
            if marker is not None and only.strip()[marker.end :].strip():
                current = only.strip()[marker.end :].strip()
                section_for(row, current)
                continue
        type_cell = row.get(header.get("type"))
        row_type = "indicator" if type_cell is None else _lookup(_ROW_TYPES, type_cell)
        if row_type is None:
            kinds = "、".join(names[0] for names in _ROW_TYPES.values())
            raise fail(
                f"{cell_place(row, 'type')}：未知的类型{show_value(type_cell)}",
                f"类型只能是：{kinds}（空白表示指标）",
            )
        text = _cell_text(row.get(header.get("name")))
        if row_type in {"indicator", "fact"}:
            named = row.get(header.get("section"))
            if named is not None:
                current = str(_cell_text(named)).strip()
            if current is None:
                raise fail(
                    f"{cell_place(row, 'section')}：没有工作领域",
                    "在“工作领域”列填写这一行所属的工作领域（空白单元格沿用上一行），"
                    "或在这些行之前加一行“一、工作领域名称”",
                )
            s = section_for(row, current)
            if row_type == "fact":
                facts = sections[s]["facts"]
                where[("sections", s, "facts", len(facts))] = cell_place(row, "name")
                facts.append(text)
                continue
            indicators = sections[s]["indicators"]
            loc: Loc = ("sections", s, "indicators", len(indicators))
            extra = ("previous", "target", "basis", "aliases", "qualifier", "verb")
            indicators.append(_table_quantity(row, header, extra))
            where[loc] = place(data, row)
            for key in ("name", "value", "unit", "previous", "target", "basis", "kind"):
                where[(*loc, key)] = cell_place(row, key)
        elif row_type == "problem":
            where[("problems", len(problems))] = cell_place(row, "name")
            problems.append(text)
        elif row_type == "priority":
            where[("plan", "priorities", len(priorities))] = cell_place(row, "name")
            priorities.append(text)
        else:
            loc = ("plan", "targets", len(targets))
            targets.append(_table_quantity(row, header, ("qualifier", "verb")))
            where[loc] = place(data, row)
            for key in ("name", "value", "unit", "kind", "qualifier"):
                where[(*loc, key)] = cell_place(row, key)
    out["sections"] = sections
    if problems:
        out["problems"] = problems
    if targets or priorities:
        out["plan"] = {"targets": targets, "priorities": priorities}
    return out, where


def _table_quantity(row: _Row, header: Mapping[str, int], extra: Sequence[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key in ("name", "value", "unit", "kind", *extra):
        value = row.get(header.get(key))
        if key in {"name", "unit", "basis", "qualifier", "aliases", "verb"}:
            value = _cell_text(value)
        if key == "verb" and value in {"无", "-", "—"}:
            value = ""  # an empty cell means "not given", so "no verb" needs a word
        if value is not None:
            item[key] = value
    value_column = header.get("value")
    if "unit" not in item and value_column is not None and value_column in row.percent:
        item["unit"] = "%"
    return item
