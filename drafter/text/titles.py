"""The shape of a 公文 heading's title and of the sentence that opens the paragraph under it.

Headings of a work summary are short titles of three shapes: an action title that starts
with a verb ("加强项目管理", "着力壮大创新主体"), a result title that ends with an adverb and
a predicate after its subject ("企业创新能力持续增强", "产学研合作走深走实"), and the two joined
by a comma ("聚焦主体培育，企业创新能力持续增强"). A paragraph's first sentence opens with a
time phrase, a subject (我局), a framing verb or preposition (坚持, 围绕, 通过), a manner adverb
(深入, 持续) or an action verb (组织, 完善). The web-copy cleaner uses these to find where a
heading that ran into its paragraph ends; the rules live here with the rest of the grammar.
"""

from __future__ import annotations

import re

from drafter.text.genre import CJK

__all__ = [
    "ACTION_VERB_RE",
    "CLAUSE_OPENER_RE",
    "FUNCTION_END",
    "HEAD_NOUN_RE",
    "MANNER_ADVERB_RE",
    "OPEN_FRAME_RE",
    "RESULT_ADVERBS",
    "RESULT_END_RE",
    "RESULT_IDIOM_RE",
    "SCOPE_SUBJECT_RE",
    "SUBJECT_OPENER_RE",
    "TITLE_VERB_RE",
    "WEAK_HEAD_RE",
]

# A title never ends on these: a function word, a particle, a list comma or a colon.
FUNCTION_END = "的之对为在与和及把将向从于以并、，,：:地得了着"

# Verbs an action title starts with ("加强…", "着力…", "聚焦…").
TITLE_VERB_RE = re.compile(
    r"^(?:加强|强化|着力|聚焦|坚持|推进|推动|提升|深化|突出|实施|优化|完善|做实|做强|做优|做大|"
    r"做好|壮大|夯实|激活|厚植|锻造|畅通|培育|打造|构建|健全|加快|全面|大力|持续|扎实|狠抓|抓好|"
    r"抓实|紧扣|围绕|增强|提高|促进|筑牢|守牢|落实|深入|积极|拓展|激发|营造|发挥|统筹|推行|建立|"
    r"规范|引进|争创|争取|用好|建好|管好|服务|助力|赋能|护航|深耕|聚力|凝聚|织密|树牢|压实)"
)

# Nouns that head a title ("…工作", "…主体", "…能级"): a title may end here.
HEAD_NOUN_RE = re.compile(
    r"(?:工作|建设|管理|服务|体系|能力|机制|水平|环境|生态|主体|平台|载体|队伍|基础|支撑|市场|"
    r"土壤|能级|质量|效能|效益|作用|地位|项目|渠道|成果|资金|人才|企业|产业|政策|制度|动能|活力|"
    r"优势|要素|氛围|格局|链条|保障|目标|任务|基层|阵地|意识|作风|底线|防线|责任|举措|体制|"
    r"布局|结构|能效|实力|效率|空间|网络|梯队|矩阵|高地|引擎|品牌|标准|规范)$"
)
# Nominalised verbs a title may end with ("成果转化", "科技创新"): weaker evidence.
WEAK_HEAD_RE = re.compile(
    r"(?:培育|保护|转化|创新|发展|改革|合作|交流|攻关|监管|普及|提质|升级|转型|融合|协同|"
    r"引领|振兴|治理|运用|应用|推广|示范|孵化|集聚|引育|共享|开放|开发)$"
)

# Adverbs of a result title: "<subject>持续增强", "<subject>进一步提高".
RESULT_ADVERBS = (
    "持续|不断|稳步|更加|全面|扎实|日益|加快|进一步|明显|显著|大幅|有效|有序|协同|深入|逐步|"
    "快速|稳定|切实|同步|整体|普遍|积极|加速|逐年|初步|基本"
)
# A result title's end: a subject of 2+ characters, an adverb, a two-character predicate.
RESULT_END_RE = re.compile(rf"[{CJK}]{{2,}}(?:{RESULT_ADVERBS})[{CJK}]{{2}}$")
# Fixed result endings, with or without a subject ("成效明显", "走深走实", "实现新突破").
RESULT_IDIOM_RE = re.compile(
    r"(?:(?:成效|效果|作用|成绩|亮点|特色|优势)(?:明显|显著|突出|凸显|良好)|"
    r"走深走实|见行见效|落地见效|见到实效|取得实效|"
    rf"(?:取得|实现|迈上|再创|开创|展现|呈现|跃上|创出)新[{CJK}]{{1,2}})$"
)

# A scope word that makes a noun phrase the subject of a sentence, not a title ("全县科技工作…").
SCOPE_SUBJECT_RE = re.compile(r"^(?:全县|全市|全区|全省|全局|全镇|我局|我县|我市|我区|我们|本局)")

# The subject a paragraph opens with ("我局坚持…").
SUBJECT_OPENER_RE = re.compile(
    r"我局|我县|我市|我区|我委|我们|局党组|局机关|(?:县|市|区)科技局|全县|全市|全区|全局"
)
# Framing verbs, prepositions and totals that open a paragraph's first sentence.
CLAUSE_OPENER_RE = re.compile(
    rf"紧紧围绕|紧扣|围绕|坚持|按照|根据|依托|通过|结合|聚焦|立足|针对|对照|借助|"
    rf"以[{CJK}]{{1,10}}?为(?:抓手|重点|核心|主线|引领|载体|目标|导向|契机|突破口|牵引|支撑)|"
    r"为进一步|为了|全年|累计|年内|先后|共计|截至|截止"
)
# Manner adverbs that open an action sentence ("深入开展…", "动态更新…").
MANNER_ADVERB_RE = re.compile(
    r"进一步|积极|持续|深入|扎实|大力|不断|全力|着力|认真|主动|动态|常态化|全面|加快|切实|"
    r"稳步|继续|重点|及时|严格|精准|广泛|集中|统筹|率先"
)
# Action verbs that open a sentence ("组织申报…", "完善…"). Verbs that often chain inside an
# action title ("强化科技创新推动高质量发展": 推动, 提升, 加强 …) are left out.
ACTION_VERB_RE = re.compile(
    r"组织|完善|深化|支持|建立|建成|开展|实施|落实|优化|制定|出台|举办|召开|引导|鼓励|争取|申报|"
    r"推广|选派|新增|认定|健全|构建|打造|搭建|谋划|启动|印发|修订|设立|兑现|走访|扩充|发挥|"
    r"探索|指导|协助|帮助|完成|举行|编制|发布|开通|对接|成立|启用|投入|安排|下达|拨付|兑付|"
    r"评审|遴选|征集|梳理|配合|牵头|联合|会同|督促|落细|抓住|把握|筹办|承办|申请|获批"
)
# A preposition that opens a frame its verb must close ("组织专家对申报项目进行评审"):
# a title does not stop inside one.
OPEN_FRAME_RE = re.compile(r"对|把|将|被|向")
