"""Prompt templates from templates/*.md (package data), checked when loaded.

A template file starts with a YAML front matter that declares its variables; the body
uses ${name} placeholders (string.Template, so figure slots such as {F1} in the text are
left alone). Loading fails if the body uses an undeclared placeholder or leaves a
declared one unused, so a typo in a prompt is caught before any model call.
"""

from __future__ import annotations

import hashlib
import string
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent / "templates"


class PromptTemplate(BaseModel):
    """A loaded prompt: its declared variables match the placeholders in its body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    variables: list[str] = Field(default_factory=list)
    body: str
    path: str = ""

    def render(self, **values: str) -> str:
        """Fill every declared variable; a missing or extra value is a programming error."""
        given, declared = set(values), set(self.variables)
        if given != declared:
            raise KeyError(
                f"prompt {self.name}: missing {sorted(declared - given)}, extra {sorted(given - declared)}"
            )
        return string.Template(self.body).substitute(values)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


def placeholders(body: str) -> set[str]:
    """Names used as ${name} or $name in a template body."""
    found: set[str] = set()
    for match in string.Template.pattern.finditer(body):
        name = match.group("named") or match.group("braced")
        if name:
            found.add(name)
        elif match.group("invalid") is not None:
            raise ValueError(f"invalid placeholder near position {match.start()}")
    return found


def parse_prompt(text: str, *, path: str = "") -> PromptTemplate:
    """Parse front matter + body and check placeholders against the declaration."""
    where = path or "<prompt>"
    if not text.startswith("---\n"):
        raise ConfigError(f"提示词文件 {where} 缺少开头的 --- 元数据块（name、variables）。")
    try:
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front) or {}
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"提示词文件 {where} 的元数据块无法解析：{exc}") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"提示词文件 {where} 的元数据块应为键值对。")
    try:
        template = PromptTemplate(body=body.strip() + "\n", path=path, **meta)
    except ValidationError as exc:
        raise ConfigError(f"提示词文件 {where} 的元数据有误：{exc.errors()[0]['msg']}") from None
    try:
        used = placeholders(template.body)
    except ValueError as exc:
        raise ConfigError(
            f"提示词文件 {where} 含无效占位符（{exc}）；字面的 $ 请写作 $$。"
        ) from None
    declared = set(template.variables)
    if used - declared:
        raise ConfigError(
            f"提示词文件 {where} 使用了未声明的占位符：{', '.join(sorted(used - declared))}。",
            hint="在元数据 variables 中声明，或改正拼写。",
        )
    if declared - used:
        raise ConfigError(
            f"提示词文件 {where} 声明了但未使用的占位符：{', '.join(sorted(declared - used))}。"
        )
    return template


def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> PromptTemplate:
    path = directory / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"无法读取提示词文件 {path}：{exc.strerror}") from None
    return parse_prompt(text, path=str(path))


class PromptSet(BaseModel):
    """The prompts one drafting run uses."""

    model_config = ConfigDict(frozen=True)

    system: PromptTemplate
    section: PromptTemplate
    retry: PromptTemplate

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> PromptSet:
        return cls(
            system=load_prompt("system", directory),
            section=load_prompt("section", directory),
            retry=load_prompt("retry", directory),
        )
