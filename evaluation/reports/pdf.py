"""The evaluation report as a Chinese A4 PDF (ReportLab), carrying its own proof.

``render(document, signatures)`` lays the report out in Chinese and attaches, as PDF embedded
files, ``report.json`` (the document's canonical JSON: its SHA-256 is what the members signed)
and ``signatures.json`` (``bidhall-report-signatures/1``: the report's SHA-256 and every
member's signature entry), so that the PDF alone can be verified offline
(evaluation.reports.verify). ``seal`` then adds the platform's PAdES signature over all of it.

The font. The text must be real, embedded glyphs that ``pdftotext`` turns back into the Chinese
text, on any reader. Debian's Noto CJK fonts (fonts-noto-cjk) are OpenType with CFF outlines,
which ReportLab's TTFont refuses ("postscript outlines are not supported"); ReportLab's built-in
CID font STSong-Light needs no file but is *not embedded* (a reader without the Adobe Asian font
pack substitutes or shows nothing), which a record meant to be kept must not depend on. So the
first TrueType CJK font of ``FONTS`` is embedded, subset to the glyphs used: WenQuanYi Zen Hei
(Debian fonts-wqy-zenhei; all of GBK and Latin) or AR PL UMing CN (fonts-arphic-uming). ReportLab
writes a ToUnicode map with it, so the text can be extracted and searched. Without either font
rendering is refused with ``report_font_missing``, naming the package to install.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bidhall.canonical import canonical
from bidhall.crypto import keys
from bidhall.errors import DomainError
from evaluation.reports import document as report

SIGNATURES_FORMAT = "bidhall-report-signatures/1"
REPORT_FILE, SIGNATURES_FILE = "report.json", "signatures.json"
#: TrueType CJK fonts, in order of preference: (file, index in a collection, Debian package)
FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
)
FONT = "BidhallCJK"
BEIJING = timezone(timedelta(hours=8))
WIDTH = A4[0] - 36 * mm

RULE_SETS = {"construction": "工程建设项目招标投标", "gov_procurement": "政府采购"}
METHODS = {"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评估法"}
STAGES = {"qualification": "资格审查", "responsiveness": "符合性审查"}
CHOICES = {"veto": "否决", "pass": "不否决", "accept": "不否决（接受）"}
MATTERS = {
    "leader": "推选评标委员会组长",
    "veto": "否决投标",
    "abnormal_price": "投标报价异常低",
    "tie": "得分相同",
    "correction": "算术修正",
    "other": "其他事项",
}
#: Regs Art 51, in its own words
VETO_REASONS = {
    "not_signed_or_sealed": "投标文件未经投标单位盖章和单位负责人签字",
    "joint_agreement_missing": "投标联合体没有提交共同投标协议",
    "unqualified": "投标人不符合国家或者招标文件规定的资格条件",
    "multiple_bids_or_prices": "同一投标人提交两个以上不同的投标文件或者投标报价",
    "price_below_cost_or_above_ceiling": "投标报价低于成本或者高于招标文件设定的最高投标限价",
    "not_responsive": "投标文件没有对招标文件的实质性要求和条件作出响应",
    "collusion_or_fraud": "投标人有串通投标、弄虚作假、行贿等违法行为",
}


class ReportUnavailable(DomainError):
    code = "report_font_missing"
    http_status = 503


def render(document: dict, signatures: list[dict]) -> bytes:
    """The report PDF with ``report.json`` and ``signatures.json`` attached."""
    document = report.check_document(document)
    entries = [
        report.check_signature_entry(entry, f"signatures[{n}]")
        for n, entry in enumerate(signatures)
    ]
    sha256 = report.digest(document)
    out = io.BytesIO()
    font = _font()
    page = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"评标报告 {document['tender']['reference']}",
        author="bidhall",
        subject=f"{report.FORMAT} sha256 {sha256}",
        initialFontName=font,  # pages start in the embedded font, not in Helvetica
    )
    footer = _footer(sha256)
    page.build(_story(document, entries, sha256), onFirstPage=footer, onLaterPages=footer)
    return _attach(out.getvalue(), document, entries, sha256)


def signatures_file(sha256: str, entries: list[dict]) -> bytes:
    """The canonical bytes of ``signatures.json``."""
    return canonical({"format": SIGNATURES_FORMAT, "report_sha256": sha256, "signatures": entries})


# --- the layout ---------------------------------------------------------------------------------


def _story(document: dict, entries: list[dict], sha256: str) -> list:
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10.5)
    h1 = ParagraphStyle("h1", parent=body, fontSize=20, leading=28, alignment=1, spaceAfter=8)
    h2 = ParagraphStyle(
        "h2", parent=body, fontSize=13, leading=18, spaceBefore=10, spaceAfter=5, keepWithNext=1
    )
    tender, session = document["tender"], document["session"]
    seats = {m["seat"]: m for m in document["committee"]}
    bids = {b["bid_id"]: b for b in document["bids"]}

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(head: Sequence[str], rows: Iterable[Sequence], widths: Sequence[float]) -> Table:
        data = [[p(h, cell) for h in head]] + [[p(v, cell) for v in row] for row in rows]
        if len(data) == 1:
            data.append([p("无", cell)] + [""] * (len(head) - 1))
        grid = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return grid

    def bidder(bid_id: int) -> str:
        return f"{bids[bid_id]['bid_no']}号 {bids[bid_id]['bidder']}"

    story: list = [
        p("评标报告", h1),
        table(
            ["项目", "内容"],
            [
                ["招标项目编号", tender["reference"]],
                ["招标项目名称", tender["title"]],
                ["适用规则", RULE_SETS[tender["rule_set"]]],
                ["评标方法", METHODS[tender["method"]]],
                ["评标开始（北京时间）", _when(session["opened_at"])],
                ["评标结束（北京时间）", _when(session["closed_at"])],
                ["报告摘要（SHA-256）", sha256],
            ],
            [0.25, 0.75],
        ),
        p("一、评标委员会", h2),
        table(
            ["席位", "姓名", "评标场所", "职务"],
            [
                [_seat(m["seat"]), m["name"], m["venue"], "组长" if m["leader"] else "成员"]
                for m in document["committee"]
            ],
            [0.15, 0.25, 0.45, 0.15],
        ),
        p("二、投标人及报价（人民币元）", h2),
        table(
            ["序号", "投标人", "标段", "开标报价", "评审价格", "审查结论"],
            [
                [
                    b["bid_no"],
                    b["bidder"],
                    b["lot"],
                    _money(b["read_out_price"]),
                    _money(b["evaluated_price"]),
                    "通过" if b["passed"] else "否决：" + VETO_REASONS[b["veto_reason"]],
                ]
                for b in document["bids"]
            ],
            [0.07, 0.3, 0.07, 0.16, 0.16, 0.24],
        ),
        p("三、资格审查与符合性审查", h2),
        p("各项审查要求下列出评委的标记数、不合格数与否决数。"),
        table(
            ["投标人", "审查", "审查要求", "标记", "不合格", "否决"],
            [
                [bidder(r["bid_id"]), STAGES[r["stage"]], r["text"]]
                + [r["marks"], r["fails"], r["vetoes"]]
                for r in document["review"]
            ],
            [0.28, 0.13, 0.35, 0.08, 0.08, 0.08],
        ),
        p("四、否决投标", h2),
        table(
            ["投标人", "否决理由（条例第五十一条）", "说明", "表决"],
            [
                [bidder(v["bid_id"]), VETO_REASONS[v["reason"]], v["detail"]]
                + [f"第{v['vote']}次" if v["vote"] else "—"]
                for v in document["vetoes"]
            ],
            [0.25, 0.3, 0.35, 0.1],
        ),
        p("五、表决记录", h2),
    ]
    for vote in document["votes"]:
        subject = f"（{bidder(vote['bid_id'])}）" if vote["bid_id"] else ""
        outcome = "票数相同，未形成多数" if vote["result"] is None else _choice(vote["result"])
        story.append(
            p(
                f"第{vote['number']}次表决 · {MATTERS[vote['matter']]}{subject}：{vote['question']}"
                f"\n选项：{'、'.join(map(_choice, vote['options']))}；结果：{outcome}"
                f"\n{_when(vote['opened_at'])} 至 {_when(vote['closed_at'])}"
            )
        )
        choices = {b["seat"]: b["choice"] for b in vote["ballots"]}
        for group in _chunks(list(seats), 9):
            story.append(
                table(
                    ["评委"] + [_seat(s) for s in group],
                    [["意见"] + [_choice(choices.get(s, "未投票")) for s in group]],
                    [0.1] + [0.9 / len(group)] * len(group),
                )
            )
        story.append(Spacer(1, 4))
    if not document["votes"]:
        story.append(p("无"))
    story += [
        p("六、澄清", h2),
        table(
            ["投标人", "问题", "答复", "提出时间", "答复时间"],
            [
                [bidder(c["bid_id"]), c["question"], c["answer"] or "未答复"]
                + [_when(c["asked_at"]), _when(c["answered_at"])]
                for c in document["clarifications"]
            ],
            [0.2, 0.25, 0.25, 0.15, 0.15],
        ),
        p("七、算术修正", h2),
        table(
            ["投标人", "原报价", "修正后报价", "修正步骤"],
            [
                [bidder(c["bid_id"]), _money(c["original"]), _money(c["corrected"])]
                + ["\n".join(f"{n}. {s}" for n, s in enumerate(c["steps"], 1))]
                for c in document["corrections"]
            ],
            [0.25, 0.16, 0.16, 0.43],
        ),
        p("八、评分汇总", h2),
    ]
    story += _scores(document, bidder, table, p)
    story += [
        p("九、排名与中标候选人", h2),
        table(
            ["排名", "投标人", "得分", "评审价格"],
            [
                [r["rank"], bidder(r["bid_id"]), r["score"] or "—", _money(r["evaluated_price"])]
                for r in document["ranking"]
            ],
            [0.1, 0.5, 0.15, 0.25],
        ),
        Spacer(1, 4),
        table(
            ["中标候选人", "投标人"],
            [[f"第{c['rank']}名", bidder(c["bid_id"])] for c in document["candidates"]],
            [0.2, 0.8],
        ),
        p("十、签名", h2),
        p(
            "评标委员会成员以各自的签名证书对本报告摘要签名。不同意见如下（条例第五十三条）："
            + "".join(f"\n{_seat(d['seat'])}：{d['text']}" for d in document["dissent"])
            + ("" if document["dissent"] else "无。")
        ),
        Spacer(1, 4),
        table(
            ["席位", "姓名", "签署时间", "不同意见", "签名证书"],
            [_signature_row(seats, entry) for entry in entries],
            [0.1, 0.15, 0.2, 0.35, 0.2],
        ),
        Spacer(1, 6),
        p(
            f"本文件附有 {REPORT_FILE}"
            f"（报告的规范 JSON，SHA-256 {sha256}）与 {SIGNATURES_FILE}（各成员的签名），"
            "并由平台电子签章（PAdES）封固。可离线核验：bidhall report verify 本文件.pdf "
            "--root root.pem",
            cell,
        ),
    ]
    return story


def _scores(document: dict, bidder, table, p) -> list:
    scores, seats = document["scores"], [m["seat"] for m in document["committee"]]
    totals = {(r["bid_id"], r["seat"]): r["total"] for r in scores["members"]}
    price = {r["bid_id"]: r["score"] for r in scores["price"]}
    scored = list(dict.fromkeys([r["bid_id"] for r in scores["members"]] + list(price)))
    parts: list = [p("各评委对各投标的评分合计，及价格分：")]
    for group in _chunks(seats, 8):
        parts.append(
            table(
                ["投标人"] + [_seat(s) for s in group] + ["价格分"],
                [
                    [bidder(b)] + [totals.get((b, s), "—") for s in group] + [price.get(b, "—")]
                    for b in scored
                ],
                [0.28] + [0.62 / len(group)] * len(group) + [0.1],
            )
        )
    criteria = scores["criteria"]
    means = {(r["bid_id"], r["criterion"]): r["mean"] for r in scores["means"]}
    rows = list(dict.fromkeys(r["bid_id"] for r in scores["means"]))
    parts.append(p("评标委员会各评分因素平均分（满分）："))
    for group in _chunks(criteria, 5) or [[]]:
        parts.append(
            table(
                ["投标人"] + [f"{c['name']}（{c['max']}）" for c in group],
                [[bidder(b)] + [means.get((b, c["id"]), "—") for c in group] for b in rows],
                [0.3] + [0.7 / max(len(group), 1)] * len(group),
            )
        )
    return parts


def _signature_row(seats: dict, entry: dict) -> list:
    name = seats[entry["seat"]]["name"] if entry["seat"] in seats else "（不在委员会中）"
    if entry.get("refused"):
        return [
            _seat(entry["seat"]),
            name,
            _when(entry["recorded_at"]),
            f"拒绝签字且未陈述不同意见，视为同意评标结论。{entry['note']}",
            "—",
        ]
    serial = format(keys.load_certificate(entry["certificate"]).serial_number, "x")
    return [
        _seat(entry["seat"]),
        name,
        _when(entry["signed_at"]),
        entry["dissent"] or "无",
        f"序列号 {serial[:12]}…",
    ]


def _footer(sha256: str):
    def draw(canvas, page) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"评标报告 SHA-256 {sha256}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {page.page} 页")
        canvas.restoreState()

    return draw


# --- attachments, fonts, formats ----------------------------------------------------------------


def _attach(pdf: bytes, document: dict, entries: list[dict], sha256: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, data, description in (
        (REPORT_FILE, canonical(document), f"{report.FORMAT}, SHA-256 {sha256}"),
        (SIGNATURES_FILE, signatures_file(sha256, entries), SIGNATURES_FORMAT),
    ):
        stream = embed.EmbeddedFileObject.from_file_data(writer, data, mime_type="application/json")
        spec = embed.FileSpec(
            file_spec_string=name, file_name=name, embedded_data=stream, description=description
        )
        embed.embed_file(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_font_lock = threading.Lock()


def _font() -> str:
    """Register the first TrueType CJK font found (once per process)."""
    with _font_lock:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return FONT
        for path, index, _package in FONTS:
            if Path(path).exists():
                pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
                return FONT
    raise ReportUnavailable(
        "no TrueType Chinese font to embed in the report: install one, e.g. "
        f"`apt-get install {FONTS[0][2]}` (looked for {', '.join(f[0] for f in FONTS)})"
    )


def _when(value: str | None) -> str:
    if value is None:
        return "—"
    return datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _money(value: str | None) -> str:
    if value is None:
        return "—"
    whole, cents = value.split(".")
    return f"{int(whole):,}.{cents}"


def _choice(option: str) -> str:
    return CHOICES.get(option, option)


def _seat(seat: int) -> str:
    return f"评委{seat}"


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
