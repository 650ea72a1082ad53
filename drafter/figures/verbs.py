"""The verb code writes between an indicator's name and its value: "有效高新技术企业达到63家",
"新认定高新技术企业14家", "获省级科学技术奖3项", "技术合同成交额实现2.5亿元".

Always writing 达到 reads wrong for most indicators ("出资参股组建某公司达到1000万元"):
the verb depends on what the figure counts. The figures file may give it (``verb``,
:func:`parse_verb`); otherwise :func:`choose_verb` picks it from the name by rules:

* the name already holds the action: it starts with a verb (新增/新认定/引进/争取/组织/
  出资 …) or ends in a participle (立项/授权/认定/入库/备案 …) → no verb;
* honours (…奖, 称号, 荣誉) → 获;
* activities (…活动, 培训, 讲座) → 开展; events (…会, 论坛, 大赛) → 举办;
* funds from above (上级…资金/项目) → 争取;
* turnover and output (…成交额, 销售收入, 产值, 增加值) → 实现;
* anything else — stocks (有效高新技术企业), levels and rates (研发投入强度) → 达到.

Verbs of level (达到, 实现, 突破 …) follow the name ("研发投入强度达到2.21%"); verbs of
action (获, 开展, 新增, 争取 …) lead it ("获省级科学技术奖3项"): :func:`with_verb`.
"""

from __future__ import annotations

import re
from typing import Any

from drafter.figures.quantities import Problem, show_value

VERB_MAX_CHARS = 4
LEVEL_VERBS = ("达到", "实现")  # verbs a prefix qualifier (约/超过/不低于 …) replaces
# Verbs written after the name, between it and the value; all others lead the name.
_AFTER_NAME_RE = re.compile(
    r"^(?:累计|共|总计|合计|全年)?(?:达到?|实现|突破|超过|为|增至|增长到|提高到|提升到|升至)$"
)

# Words before the name proper that say where or when, not what: 全县新增… is a flow.
_SCOPE_RE = re.compile(
    r"^(?:其中[：:]?|全(?:省|市|州|盟|县|区|旗|镇|乡|街道)|全年|年内|本年度?|当年)+"
)

# Names starting like this already hold the action. Nouns that begin with a verb
# character (新型研发机构, 服务业增加值, 投资总额) are listed in _NOUN_STARTS.
_ACTION_PREFIXES = (
    "新增",
    "新认定",
    "新建",
    "新培育",
    "新引进",
    "新设立",
    "新设",
    "新获批",
    "新获",
    "新签约",
    "新签",
    "新开工",
    "新入库",
    "新招引",
    "新登记",
    "新注册",
    "新备案",
    "新评",
    "新晋",
    "新申报",
    "新发展",
    "新落地",
    "新开设",
    "新开通",
    "新创建",
    "新组建",
    "新成立",
    "新改建",
    "新修",
    "引进",
    "引育",
    "招引",
    "招商",
    "培育",
    "培养",
    "培训",
    "争取",
    "争创",
    "获得",
    "获批",
    "获评",
    "获",
    "荣获",
    "完成",
    "实现",
    "组织",
    "举办",
    "开展",
    "召开",
    "承办",
    "出资",
    "设立",
    "组建",
    "建成",
    "建设",
    "创建",
    "打造",
    "认定",
    "申报",
    "申请",
    "兑现",
    "发放",
    "拨付",
    "下达",
    "落实",
    "帮助",
    "协助",
    "推动",
    "推广",
    "签订",
    "签约",
    "签署",
    "入选",
    "评选",
    "选派",
    "派驻",
    "带动",
    "吸引",
    "吸纳",
    "促成",
    "对接",
    "达成",
    "走访",
    "办理",
    "受理",
    "审核",
    "发布",
    "撬动",
    "减免",
    "资助",
    "支持",
    "扶持",
    "奖励",
    "补助",
    "发动",
    "动员",
    "指导",
    "整治",
    "检查",
    "查处",
    "办结",
    "化解",
    "治理",
    "改造",
    "种植",
    "流转",
    "修建",
    "改建",
    "硬化",
    "接待",
    "招聘",
    "转移",
    "提供",
    "解决",
    "回收",
    "累计",
    "共有",
    "开通",
    "开设",
    "成立",
    "筹集",
    "投放",
    "放贷",
    "授信",
    "认领",
    "聘请",
    "聘任",
    "征集",
    "举行",
    "参加",
    "参与",
    "清理",
    "排查",
    "摸排",
    "新培训",
)
_NOUN_STARTS = (
    "新型",
    "新兴",
    "新材料",
    "新能源",
    "新产品",
    "新技术",
    "新经济",
    "新业态",
    "新动能",
    "服务业",
    "服务贸易",
    "培训班",
    "实现率",
    "完成率",
    "申请量",
    "申报量",
    "获得感",
)
# Names ending like this already hold the action: 省级科技计划项目立项 12项.
_PARTICIPLE_SUFFIXES = (
    "立项",
    "授权",
    "认定",
    "入库",
    "备案",
    "登记",
    "注册",
    "验收",
    "获批",
    "签约",
    "落地",
    "开工",
    "投产",
    "竣工",
    "申请",
    "申报",
    "受理",
    "办结",
    "转化",
    "扣除",
    "减免",
    "兑现",
    "拨付",
    "发放",
    "评价入库",
    "入统",
    "上市",
    "挂牌",
    "出口",
    "结题",
    "通过",
    "转移",
)
_HONOUR_SUFFIXES = ("奖", "奖项", "称号", "荣誉", "表彰", "金奖", "银奖", "铜奖", "优秀奖")
_ACTIVITY_SUFFIXES = ("活动", "培训", "讲座", "宣讲", "宣传", "调研", "服务", "演练", "义诊")
_EVENT_SUFFIXES = ("会", "论坛", "大赛", "比赛", "竞赛", "展会", "博览会", "沙龙", "峰会", "路演")
_FUND_WORDS = ("资金", "经费", "项目", "补助", "奖补", "专项", "支持")
_TURNOVER_SUFFIXES = (
    "成交额",
    "交易额",
    "登记额",
    "销售额",
    "销售收入",
    "营业收入",
    "主营业务收入",
    "营收",
    "产值",
    "总产值",
    "增加值",
    "利润",
    "利税",
    "税收",
    "出口额",
    "进出口额",
    "进出口总额",
    "出口总额",
    "交易量",
    "成交量",
    "收入",
)
_NUMERAL_RE = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]+")


def parse_verb(raw: Any) -> str | None:
    """The figures file's ``verb``: None (not given: chosen from the name), "" (no verb:
    the name already says it), or a short verb of Chinese characters without numerals."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Problem(
            f"谓语应为文字，实际是{show_value(raw)}", '如 verb: 新增；不要谓语就写 verb: ""'
        )
    verb = raw.strip()
    if not verb:
        return ""
    if _NUMERAL_RE.search(verb):
        raise Problem(
            f"谓语里不能有数字：{show_value(verb)}",
            "verb 只写动词，如 新增、获、实现；数字写在 value",
        )
    if len(verb) > VERB_MAX_CHARS or not _CJK_RE.fullmatch(verb):
        raise Problem(
            f"谓语应为不超过{VERB_MAX_CHARS}个汉字的动词：{show_value(verb)}",
            "如 verb: 达到、新增、获、实现；说明写在 basis（口径）",
        )
    return verb


def core_name(name: str) -> str:
    """The name without its 口径 note in brackets and its scope words (全县, 年内, 其中：)."""
    bare = name.split("（")[0].split("(")[0].strip() or name
    return _SCOPE_RE.sub("", bare) or bare


def holds_action(name: str) -> bool:
    """Whether the name already says what was done: 新认定…, 争取…, …立项, …授权."""
    core = core_name(name)
    if core.startswith(_NOUN_STARTS):
        return core.endswith(_PARTICIPLE_SUFFIXES)
    return core.startswith(_ACTION_PREFIXES) or core.endswith(_PARTICIPLE_SUFFIXES)


def choose_verb(name: str, unit: str | None = None) -> str:
    """The verb for an indicator by its name (see the module docstring); "" for none."""
    core = core_name(name)
    if holds_action(name):
        return ""
    if unit in {"%", "％"}:
        return "达到"
    if core.endswith(_HONOUR_SUFFIXES):
        return "获"
    if core.endswith(_ACTIVITY_SUFFIXES):
        return "开展"
    if core.endswith(_EVENT_SUFFIXES):
        return "举办"
    if core.startswith("上级") and core.endswith(_FUND_WORDS):
        return "争取"
    if core.endswith(_TURNOVER_SUFFIXES):
        return "实现"
    return "达到"


def indicator_verb(name: str, unit: str | None, given: str | None, value_text: str = "") -> str:
    """The verb to write: the figures file's own (``given``), else :func:`choose_verb`.

    A value written with a leading qualifier (约3000人, 超过100家, 不低于6家) needs no
    达到/实现 of the rules, and a verb the value text already begins with is not doubled.
    """
    leads_with_word = bool(value_text) and not (value_text[0].isdigit() or value_text[0] == "-")
    if given is not None:
        return "" if given and value_text.startswith(given) else given
    verb = choose_verb(name, unit)
    if leads_with_word and verb in LEVEL_VERBS:
        return ""
    return verb


def with_verb(name: str, verb: str) -> str:
    """The name with its verb where the genre puts it: "研发投入强度达到", "获省级科学技术奖"."""
    if not verb:
        return name
    return name + verb if _AFTER_NAME_RE.match(verb) else verb + name
