"""The prompts of guided drafting and their rotating one-shot examples: package data,
loaded and validated once (a broken file names itself and the entry at fault)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.drafting.guided_text import ORDINAL_RE
from drafter.drafting.prompts import PROMPTS_DIR, PromptTemplate, load_prompt
from drafter.errors import ConfigError
from drafter.text.sentences import FULL_STOPS

GUIDED_DIR = PROMPTS_DIR / "guided"


class MeasuresExample(BaseModel):
    """A one-shot example of the measures prompt (another bureau's topic, invented facts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str = Field(min_length=2)
    facts: tuple[str, ...] = Field(min_length=1)
    output: str = Field(min_length=10)

    @property
    def items(self) -> list[str]:
        """The example's 一是/二是 items, ordinal words dropped."""
        return [
            ORDINAL_RE.sub("", s, count=1)
            for s in re.split(f"[{FULL_STOPS}；]", self.output)
            if ORDINAL_RE.search(s)
        ]

    @property
    def leads(self) -> list[str]:
        """Each item's short lead: its words before the first comma (创新金融产品)."""
        return [re.split("[，,]", item, maxsplit=1)[0] for item in self.items]

    @property
    def frame_sentences(self) -> list[str]:
        return [
            s for s in re.split(f"[{FULL_STOPS}]", self.output) if s and not ORDINAL_RE.search(s)
        ]

    @property
    def frame(self) -> str:
        """The generic sentences around the 一是/二是 items: the lead and the closing."""
        return "。".join(self.frame_sentences)


def load_measures_examples(path: Path) -> tuple[MeasuresExample, ...]:
    """The example pool, with a Chinese message naming the file and entry when it is broken."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"无法读取示例文件 {path}：{exc}") from None
    if not isinstance(data, list) or not data:
        raise ConfigError(f"示例文件 {path} 应为非空列表（每项含 topic、facts、output）。")
    examples = []
    for index, item in enumerate(data):
        try:
            examples.append(MeasuresExample.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in (index, *err["loc"]))
            raise ConfigError(
                f"示例文件 {path} 的 {where} 有误：{err['msg']}",
                hint="每项需要 topic（主题）、facts（至少一条事实）和 output（示例正文）。",
            ) from None
    return tuple(examples)


class GuidedPrompts(BaseModel):
    """The prompts of guided drafting, loaded and checked like every other prompt."""

    model_config = ConfigDict(frozen=True)

    system: PromptTemplate
    measures: PromptTemplate
    measures_leads: PromptTemplate
    opening: PromptTemplate
    elaborate: PromptTemplate
    targets_lead: PromptTemplate
    closing: PromptTemplate
    retry: PromptTemplate
    example_fixed: PromptTemplate
    example_passage: PromptTemplate
    example_leads: PromptTemplate
    measures_examples: tuple[MeasuresExample, ...]

    @classmethod
    def load(cls, directory: Path = GUIDED_DIR) -> GuidedPrompts:
        names = [
            "system",
            "measures",
            "measures_leads",
            "opening",
            "elaborate",
            "targets_lead",
            "closing",
            "retry",
        ]
        names += ["example_fixed", "example_passage", "example_leads"]
        return cls(
            **{n: load_prompt(n, directory) for n in names},
            measures_examples=load_measures_examples(directory / "measures_examples.yaml"),
        )
