"""Small documents built in code for tests: a minimal PDF with exact xref offsets and the
example figures as table rows (the Excel/CSV layout a bureau's statistics table has)."""

from __future__ import annotations

# fmt: off
HEADER = ["序号", "工作领域", "领域编号", "指标", "单位", "2025年", "2024年", "2025年目标",
          "口径", "类型", "限定", "同比"]
ROWS: list[list[object]] = [
    [1, "科技创新主体培育", "entities", "高新技术企业", "家", 42, 36, 40, "有效期内", None, None,
     "16.7%"],
    [2, None, None, "研发投入强度", "%", 2.03, 1.86, 2.0],
    [3, None, None, "技术合同成交额", "亿元", 1.5, 0.75],
    [None, None, None, "组织高新技术企业认定政策培训3场，覆盖企业86家", None, None, None, None,
     None, "事实"],
    [4, "平台建设", None, "新型研发机构", "个", 1, 0],
    [None, None, None, "全社会研发投入强度仍低于全市平均水平", None, None, None, None, None,
     "问题"],
    [None, None, None, "新增高新技术企业", "家", 6, None, None, None, "目标", "以上"],
    [None, None, None, "深入实施科技型企业梯次培育行动", None, None, None, None, None, "重点"],
]
INFO = [["单位名称", "示例县科学技术局"], ["地区", "示例县"], ["年度", "2025"], ["期间", "全年"]]
# fmt: on


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF: one line of ASCII text in Helvetica per page, exact xref offsets."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, line in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("ascii")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    return pdf_from_objects(objects)


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """PDF objects 1…n (object 1 the catalog) serialised with an exact xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
