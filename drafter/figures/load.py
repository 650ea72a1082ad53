"""Load a figures file: YAML parsing with line numbers, validation messages, load_figures.

Split out of the figures model: turning a file into a :class:`FiguresFile` and every
problem into a Chinese message naming the place and the fix. Tables are read by
:mod:`drafter.figures.tables` into the same structure as the YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drafter.errors import InputError
from drafter.figures.files import decode_text, read_bytes
from drafter.figures.model import FiguresFile
from drafter.figures.quantities import Loc, Problem, show_value
from drafter.figures.tables import read_csv, read_xlsx, table_data


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal from their source text."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_yaml_int(node)  # type: ignore[arg-type, no-untyped-call]
    except ValueError:  # more digits than Python converts: validation names the field
        return str(node.value)


_YamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(node.value).replace("_", "").strip()
    lowered = text.lower()
    if lowered in {".inf", "+.inf"}:
        return Decimal("Infinity")
    if lowered == "-.inf":
        return Decimal("-Infinity")
    if lowered == ".nan":
        return Decimal("NaN")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # e.g. sexagesimal 1:30.5; validation will reject it as text


_YamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

# PyYAML problems, their meaning and fix in Chinese.
_YAML_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "这里不能出现“键: 值”",
        "检查本行和上一行的缩进；文字里的英文冒号后跟空格会被当作“键: 值”，"
        "请改用中文冒号“：”或给整句加引号",
    ),
    (
        "could not find expected ':'",
        "缺少冒号",
        "“键: 值”之间要有英文冒号和一个空格；多行文字请整体加引号",
    ),
    ("found character '\\t'", "使用了制表符（Tab）", "YAML 只能用空格缩进，请把 Tab 换成空格"),
    ("expected <block end>", "缩进不一致", "同一层的项目要左对齐，子项比父项多缩进两个空格"),
    ("did not find expected '-' indicator", "列表项缩进不一致", "同一列表的各项“- ”要左对齐"),
    (
        "did not find expected key",
        "缩进不一致或缺少“键:”",
        "同一层的项目要左对齐，每项写成“键: 值”",
    ),
    ("found unexpected end of stream", "引号或括号没有闭合", "检查引号和方括号、花括号是否成对"),
    ("while scanning a quoted scalar", "引号没有闭合", "检查这一项的引号是否成对"),
    ("found undefined alias", "出现了未定义的“*”引用", "YAML 中 * 开头表示引用；正文请整句加引号"),
    ("while parsing a flow", "方括号或花括号没有闭合", "检查 [ ] 和 { } 是否成对"),
    ("that cannot start any token", "这个字符不能出现在开头", "给整句加引号"),
    (
        "could not determine a constructor",
        "使用了不支持的“!!”标签",
        "数据文件不能使用 !! 开头的标签：删去它，文字内容请整句加引号",
    ),
    (
        "expected a single document",
        "文件里有不止一份数据（出现了第二个“---”）",
        "一个数据文件只写一份数据，删去多余的“---”分隔线及其后的重复内容",
    ),
    ("found unhashable key", "“键”不能是列表或键值对", "每一项写成“名称: 值”，名称是文字"),
)


# After expanding aliases (*name): stops "billion laughs".
_MAX_YAML_NODES = 100_000


def _yaml_locations(node: yaml.Node, loc: Loc, out: dict[Loc, str], path: Path) -> None:
    if loc in out or len(loc) > 12:  # anchors/aliases may share or nest nodes
        return
    out[loc] = f"第{node.start_mark.line + 1}行"
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(
                    f"{path} 第{line}行：字段{show_value(key)}重复出现（第一次在第{seen[key]}行）",
                    hint="同一层的每个字段只能写一次；如果是多个项目，请写成列表（每项以“- ”开头）",
                    path=str(path),
                )
            seen[key] = line
            _yaml_locations(value_node, (*loc, key), out, path)
            out[(*loc, key)] = f"第{line}行"
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_locations(item, (*loc, index), out, path)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the document has once every alias is expanded (capped just above
    ``_MAX_YAML_NODES``); a node that contains itself counts as too many."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = _MAX_YAML_NODES + 1  # seen again while inside it: a cycle
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > _MAX_YAML_NODES:
            break
    sizes[id(node)] = min(total, _MAX_YAML_NODES + 1)
    return sizes[id(node)]


def _load_yaml(path: Path) -> tuple[Any, dict[Loc, str]]:
    text = decode_text(path, read_bytes(path))
    try:
        loader = _YamlLoader(text)
    except yaml.reader.ReaderError as exc:  # checked up front for the whole text
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(
            f"{path} 第{line}行：YAML 格式错误：含有不允许出现的控制字符（#x{exc.character:04X}）",
            hint="删除这个不可见字符（常见于从其他文件复制的内容），或把文件另存为 UTF-8 文本",
            path=str(path),
        ) from None
    locations: dict[Loc, str] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(
                f"{path}：文件是空的",
                hint="参照 examples/figures-2025.yaml 填写 bureau、year、sections 等内容",
                path=str(path),
            )
        if _expanded_size(node, {}) > _MAX_YAML_NODES:
            raise InputError(
                f"{path}：文件中的引用（&名称 / *名称）展开后过大或相互循环",
                hint="数据文件不需要 YAML 引用：把 * 引用处改为直接填写内容",
                path=str(path),
            )
        _yaml_locations(node, (), locations, path)
        data = loader.construct_document(node)
    except RecursionError:
        raise InputError(
            f"{path}：列表或键值对嵌套层数过多，无法读取",
            hint="检查是否有大量未闭合的 [ 或 {；参照 examples/figures-2025.yaml 的写法",
            path=str(path),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else "某处"
        english = " ".join(filter(None, [exc.context, exc.problem]))
        problem, fix = "YAML 格式错误", "检查该行附近的缩进、冒号和引号"
        for needle, meaning, advice in _YAML_PROBLEMS:
            if needle in english:
                problem, fix = f"YAML 格式错误：{meaning}", advice
                break
        raise InputError(
            f"{path} {where}：{problem}（{english}）", hint=fix, path=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            f"{path}：YAML 格式错误（{exc}）", hint="检查文件的缩进、冒号和引号", path=str(path)
        ) from None
    finally:
        loader.dispose()
    return data, locations


# --- validation errors --------------------------------------------------------------------

_FIELD_HELP: dict[str, str] = {
    "bureau": "bureau: 示例县科学技术局（表格：表头上方加一行“单位名称 | 示例县科学技术局”）",
    "year": "year: 2025（表格：表头上方加一行“年度 | 2025”）",
    "sections": "sections:，其下以“- name: 工作领域名称”列出各工作领域",
    "name": "name: 高新技术企业",
    "value": "value: 42（只写数字）",
    "unit": "unit: 家",
}
_PYDANTIC_TAGS = {"int", "decimal", "str", "none", "list", "dict", "bool"}


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, str) and len(part) > 40:  # an unknown key of any length
            part = part[:40] + "…"
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _explain(error: Mapping[str, Any]) -> tuple[str, str | None]:
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    raw = error.get("input")
    key = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "missing":
        example = _FIELD_HELP.get(key, f"{key}: …")
        return f"缺少必填字段“{key}”", f"补上这一项，例如 {example}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return (
            f"应为一组“键: 值”，实际是{show_value(raw)}",
            "每一项写成“键: 值”形式，如“- name: 高新技术企业”，下一行缩进后写 value、unit",
        )
    if kind == "list_type":
        return (
            f"应为列表，实际是{show_value(raw)}",
            "列表的每一项另起一行，以“- ”开头，并比上一级多缩进两个空格",
        )
    if kind == "string_type":
        return f"应为文字，实际是{show_value(raw)}", "填写文字内容，必要时给整句加引号"
    return f"取值无效：{show_value(raw)}", "参照 examples/figures-2025.yaml 的写法修改"


def _validation_error(
    path: Path, error: ValidationError, where: Mapping[Loc, str], table: bool
) -> InputError:
    items: list[tuple[str, str, str | None]] = []
    for detail in error.errors(include_url=False):
        loc: Loc = tuple(
            p
            for p in detail.get("loc", ())
            if not (isinstance(p, str) and (p in _PYDANTIC_TAGS or "[" in p))
        )
        problem_exc = (detail.get("ctx") or {}).get("error")
        if isinstance(problem_exc, Problem):
            loc = (*loc, *problem_exc.at)
            problem, fix = problem_exc.problem, problem_exc.fix
            if fix and loc and loc[-1] in {"previous", "target"}:
                fix = fix.replace("value: ", f"{loc[-1]}: ")  # the number fixes name `value`
        else:
            problem, fix = _explain(detail)
        dotted = _dotted(loc)
        found = next((where[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in where), None)
        if found is None:
            place = dotted or "文件顶层"
        elif table:
            place = f"{found}（{dotted}）" if dotted else found
        else:
            place = f"{dotted}（{found}）" if dotted else found
        entry = (place, problem, fix)
        if entry not in items:
            items.append(entry)
    if len(items) == 1:
        place, problem, fix = items[0]
        return InputError(f"{path} {place}：{problem}", hint=fix, path=str(path))
    lines = [f"{path} 有{len(items)}处错误："]
    for number, (place, problem, fix) in enumerate(items[:20], start=1):
        lines.append(f"{number}. {place}：{problem}" + (f"。改法：{fix}" if fix else ""))
    if len(items) > 20:
        lines.append(f"……另有{len(items) - 20}处")
    return InputError("\n".join(lines), path=str(path))


def load_figures(path: Path) -> FiguresFile:
    """Read and validate a figures file (.yaml/.yml, .xlsx, .csv).

    Every problem raises :class:`~drafter.errors.InputError` with a Chinese message that
    names the file, the place and the fix."""
    path = Path(path)
    suffix = path.suffix.lower()
    table = suffix in {".xlsx", ".xlsm", ".csv"}
    if suffix in {".yaml", ".yml"}:
        data, where = _load_yaml(path)
    elif suffix in {".xlsx", ".xlsm"}:
        data, where = table_data(path, *read_xlsx(path))
    elif suffix == ".csv":
        data, where = table_data(path, *read_csv(path))
    else:
        hint = "支持 .yaml/.yml、.xlsx 和 .csv"
        if suffix in {".xls", ".et", ".ods"}:
            hint = "请用 Excel 或 WPS 另存为 .xlsx 后再读取"
        raise InputError(
            f"{path}：不支持的文件类型“{suffix or '无扩展名'}”", hint=hint, path=str(path)
        )
    if not isinstance(data, Mapping):
        raise InputError(
            f"{path} 文件顶层：应为一组“键: 值”（bureau、year、sections……），实际是{show_value(data)}",
            hint="文件顶层从“bureau: …”开始写，不要以“- ”开头；参照 examples/figures-2025.yaml",
            path=str(path),
        )
    try:
        return FiguresFile.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc, where, table) from None
