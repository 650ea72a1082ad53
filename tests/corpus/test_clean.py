"""clean_text: web copies of summaries lose their page furniture and page-split markers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from drafter.corpus.clean import clean_text

COUNTY = "web_county_2023_sti_bureau.txt"
DISTRICT = "web_district_2020_sti_bureau.txt"
SHOUGUANG = "web_shouguang_2018h1_sti_bureau.txt"
REAL_FILES = [COUNTY, DISTRICT, SHOUGUANG]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# What a reader recognises as site furniture, written independently of drafter/corpus/clean.py.
FURNITURE = [
    r"收藏\s*分享",
    r"\(赏\)",
    r"上传人",
    r"文档编号",
    r"上传时间",
    r"发布时间",
    r"^ID[:：]",
    r"^大小[:：]",
    r"^页数[:：]",
    r"^时间[:：]",
    r"格式[:：]\s*DOCX",
    r"下载 相关 举报",
    r"\.docx",
    r"_第\d+页",
    r"第\d+页 / 共\d+页",
    r"该文档总共",
    r"超出免费预览",
    r"资源描述",
    r"由会员上传分享",
    r"免费在线阅读",
    r"天天文库",
    r"展开阅读全文",
    r"相关资源",
    r"猜你喜欢",
    r"相关搜索",
    r"当前位置",
    r"copyright",
    r"经营许可证",
    r"版权所有",
    r"Powered by",
    r"推荐访问",
    r"ICP备",
    r"最多预览",
    r"下载收益",
    r"温馨提示",
    r"请放心下载",
    r"小编",
    r"供大家参考",
    r"【完整版】",
    r"隐藏内容",
    r"免费查看",
]


def corpus_dir() -> Path | None:
    """../shared/corpus beside the repository, or DRAFTER_SHARED_CORPUS."""
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "corpus"]
    if os.environ.get("DRAFTER_SHARED_CORPUS"):
        candidates.append(Path(os.environ["DRAFTER_SHARED_CORPUS"]))
    return next((c for c in candidates if (c / COUNTY).is_file()), None)


def real_text(name: str) -> str:
    folder = corpus_dir()
    if folder is None:
        pytest.skip("the shared web corpus is not present")
    return (folder / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", REAL_FILES)
def test_no_site_furniture_is_left_in_real_web_copies(name: str) -> None:
    cleaned = clean_text(real_text(name))
    left = [
        (pattern, line)
        for line in cleaned.split("\n")
        for pattern in FURNITURE
        if re.search(pattern, line, re.IGNORECASE)
    ]
    assert left == []


@pytest.mark.parametrize("name", [COUNTY, SHOUGUANG])
def test_no_running_page_number_starts_a_line(name: str) -> None:
    cleaned = clean_text(real_text(name))
    assert not [line for line in cleaned.split("\n") if re.match(r"\d{1,2}、", line)]


def test_county_sentences_split_by_page_breaks_are_rejoined() -> None:
    cleaned = clean_text(real_text(COUNTY))
    assert "容易出现的问题进行了梳理和指导" in cleaned
    assert "高新技术产业产值占规模以上工业产值比重" in cleaned
    assert "市级平台3家,市级11家)" not in cleaned  # a real sentence, not a marker, follows
    assert "省级平台3家,市级11家)" in cleaned
    assert "建立人才引进的长效机制。(二)全面贯彻创新普惠政策" in cleaned
    assert "县科技局XX年工作总结及XX年工作打算 今年以来" in cleaned  # marker 1 removed too
    assert not cleaned.startswith("1、")


def test_shouguang_sentences_split_by_page_breaks_are_rejoined() -> None:
    cleaned = clean_text(real_text(SHOUGUANG))
    assert "制定了《升建国家高新区工作基本程序》" in cleaned
    assert "示范农科驿站;蔬菜集团获批" in cleaned
    assert "贾思勰农业科技奖10项。(三)实施科技开放合作工程" in cleaned
    assert "推荐鲁源盐化许明然、丁俊洋申报" in cleaned


def test_real_copies_keep_their_whole_body() -> None:
    county = clean_text(real_text(COUNTY))
    assert "今年以来,全县科技工作紧紧围绕全县中心大局" in county
    assert county.endswith("其中创造专利申请120件;完成专利授权")
    district = clean_text(real_text(DISTRICT))
    assert district.startswith("区科技局2020年度工作总结及2021年工作思路\n")
    assert district.endswith("团结广大科技工作者为我区产业转型升级赋能。")
    shouguang = clean_text(real_text(SHOUGUANG))
    assert shouguang.startswith("2018年上半年工作总结及下半年工作打算\n")
    assert shouguang.endswith("(一)扎实做好一区一园三中心建设。一是继")


def test_junk_inserted_mid_sentence_is_cut_out_and_the_sentence_closed() -> None:
    cleaned = clean_text(real_text(DISTRICT))
    assert "以新型工业园区、产业创新服务综合体" in cleaned


def test_placeholders_numbers_and_half_width_punctuation_are_kept() -> None:
    district = clean_text(real_text(DISTRICT))
    assert "党的***五中***精神" in district
    assert "“三个XX”建设" in district
    county = clean_text(real_text(COUNTY))
    assert "县科技局XX年工作总结" in county
    assert "xx省糖产业科学技术重点实验室" in county
    assert "(一)扎实推进" in county  # ASCII parentheses are the segmenter's business
    assert "比重到达23.39%,xx功能性" in county


def test_a_clean_summary_passes_through_unchanged() -> None:
    text = (
        "示例县科学技术局2023年工作总结及2024年工作打算\n"
        "2023年，县科技局坚持创新驱动发展战略，扎实推进各项工作。\n"
        "一、2023年主要工作及成效\n"
        "（一）聚焦主体培育，企业创新能力持续增强\n"
        "坚持把培育科技型企业作为基础工程。一是摸清底数建库。二是开展精准辅导。\n"
        "1. 做实项目储备。建立县级科技项目储备库，征集入库项目52个。\n"
        "2. 突出重点项目攻关。获得省级资金支持300万元。\n"
        "二、存在的问题和不足\n"
        "研发投入总量偏小，XX年全社会研发经费投入强度低于全省平均水平。\n"
        "示例县科学技术局\n"
        "2023年12月20日"
    )
    assert clean_text(text) == text


def test_the_example_files_pass_through_unchanged() -> None:
    files = sorted(EXAMPLES.glob("*.txt"))
    if not files:
        pytest.skip("no example summaries")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert clean_text(text) == text.strip(), path.name


def test_line_endings_odd_spaces_and_blank_runs_are_normalised() -> None:
    raw = "\ufeff　　一、工作总结\r\n\r\n\r\n\r\n（一）加强\u200b培训\u00a0 \r\n\t全年培训3场次。  "
    assert clean_text(raw) == "一、工作总结\n\n（一）加强培训\n全年培训3场次。"


def test_a_real_numbered_list_is_not_taken_for_page_markers() -> None:
    text = (
        "（一）强化措施\n\n"
        "1、加强培训。组织培训3场次，培训人员200人次，取得良好效果，得到上级部门充分肯定，"
        "为后续工作打下坚实基础。\n\n"
        "2、强化考核。修订考核办法，对各乡镇实行定期调度和通报制度，充分调动了各方面积极性，"
        "工作成效明显。\n\n"
        "3、狠抓落实。"
    )
    assert clean_text(text) == text


def test_short_numbered_heading_lines_are_not_page_markers() -> None:
    text = (
        "（一）扎实推进三引一促工作\n"
        "1、强化措施，扎实做好引技术工作\n"
        "一是加强培训。县科技局派出业务骨干对乡镇进行了培训。\n"
        "2、加大招才引智工作力度\n"
        "一是加大宣传力度。"
    )
    assert clean_text(text) == text


def test_page_markers_are_removed_and_split_sentences_joined() -> None:
    page = "全县科技工作紧紧围绕中心大局，加快推动科技与经济紧密结合，发挥了重要的支撑作用" * 3
    text = (
        f"资源描述\n\n1、县科技局工作总结 今年以来，{page}，对引技术工作中容易出现的问题进\n\n"
        f"2、行了梳理和指导。{page}。\n\n3、（二）全面贯彻创新普惠政策。{page}。"
    )
    assert clean_text(text) == (
        f"县科技局工作总结 今年以来，{page}，对引技术工作中容易出现的问题进"
        f"行了梳理和指导。{page}。（二）全面贯彻创新普惠政策。{page}。"
    )


@pytest.mark.parametrize(
    "furniture",
    [
        "百度文库",
        "上一篇：2022年科技局工作总结",
        "下一篇：科技局2024年工作计划",
        "上一页 下一页 返回顶部",
        "第 3 页 共 12 页",
        "- 2 -",
        "3/12",
        "编辑：张三",
        "责任编辑：李四",
        "来源：某某秘书网",
        "2023年科技局工作总结范文（通用5篇）",
        "科技局工作总结【精选】",
        "2023年科技局工作总结.doc",
        "某县科技局2022年工作总结.pdf",
        "还剩5页未读，继续阅读",
        "本文格式为Word版，下载可任意编辑",
        "下载文档 收藏 分享 举报",
        "上传于2023-05-01 大小：23KB",
        "发布时间：2023-01-05 12:00",
        "浏览：1203 下载：56",
        "当前位置：首页 > 范文大全 > 工作总结",
        "Copyright © 2010-2024 某某网 All Rights Reserved",
        "闽ICP备12345678号",
        "下面是小编为大家收集的科技局工作总结，供大家参考。",
    ],
)
def test_furniture_lines_of_other_sharing_sites_are_dropped(furniture: str) -> None:
    body = "一、工作总结\n全年申报科技项目31项，争取资金430万元。"
    assert clean_text(f"{furniture}\n{body}\n{furniture}") == body


def test_site_chrome_after_the_text_is_dropped_to_the_end() -> None:
    body = "三、下步打算\n继续实施创新驱动发展战略。"
    chrome = "展开阅读全文\n相关资源\n2023年科技工作总结.docx\n科技局年度工作汇报材料\n猜你喜欢"
    assert clean_text(f"{body}\n\n{chrome}") == body


def test_a_related_links_box_before_the_text_takes_only_its_own_line() -> None:
    body = "一、工作总结\n全年申报科技项目31项，争取资金430万元，新增高新技术企业9家。"
    assert clean_text(f"猜你喜欢\n{body}") == body


def test_download_tips_after_a_preview_limit_are_dropped() -> None:
    body = "一、工作总结\n全年申报科技项目31项。"
    tips = (
        "当前文档最多预览五页,下载文档查看全文\n\n此文档下载收益归作者所有\n温馨提示:\n\n"
        "1. 部分包含数学公式或PPT动画的文件,查看预览时可能会显示错乱或异常,请放心下载。\n"
        "2. 本文档由用户上传,版权归属用户,本站负责整理代发布。"
    )
    assert clean_text(f"{body}\n\n{tips}") == body


def test_prose_mentioning_downloads_or_copyright_is_kept() -> None:
    text = (
        "组织企业下载使用科技服务平台，累计下载量达1万次。\n"
        "开展版权保护宣传，维护版权所有人的合法权益。\n"
        "相关部门积极配合，分享了典型经验。\n"
        "时间紧、任务重，全局干部职工加班加点。\n"
        "亲自部署推动，多次深入企业调研，指导企业下载使用申报系统。"
    )
    assert clean_text(text) == text


def test_nothing_left_when_a_page_is_only_furniture() -> None:
    assert clean_text("收藏 分享(赏)\n\n下载 相关 举报\n第1页 / 共10页\n") == ""
