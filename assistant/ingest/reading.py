"""Read a policy file (.pdf, .docx, .txt): its cleaned text and its clauses; or say in
Chinese why it cannot be read.  The metadata the text states is assistant.ingest.metadata's.

Text.  A segment is a run of raw lines that may belong to one paragraph; cleaning
(`assistant.text.cleaning.clean_text`) runs on each segment, so it repairs broken
lines inside a segment but never joins two segments.  Segments carry the
paragraph boundaries the file format knows and plain text loses:

- PDF: pypdf's layout mode keeps each line's indentation.  Chinese official
  documents indent a paragraph's first line by two characters and centre
  titles, so an indented line after a finished sentence, or a body line after
  a centred title, starts a new segment.  Without such layout the whole text
  is one segment and cleaning decides alone, exactly as for the seeds.
- DOCX: every Word paragraph is a segment, unless the paragraphs are really
  hard-wrapped lines (a PDF pasted into Word), then the whole text is one.
- TXT: one segment (UTF-8, UTF-8 with BOM, UTF-16 with BOM or GB18030).
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError
from assistant.policies.clauses import Clause, parse_clauses
from assistant.text.cleaning import FOOTER_START, PAGE_NUMBER, clean_text

logger = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt")
OLD_WORD_SUFFIXES = (".doc", ".wps", ".rtf")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted .docx or an old .doc is an OLE container, not a zip
MIN_PAGE_CHARACTERS = 5  # fewer printable characters than this: the page has no text layer
MIN_CJK_SHARE = 0.3  # a Chinese policy is mostly Chinese; below this the text layer is garbage
SENTENCE_END = tuple("。；：！？:;）)”")
TITLE_LINE = 60  # a first line longer than this is a paragraph, not a title
CJK = re.compile(r"[\u3400-\u9fff]")
# A Word paragraph ending like this is a wrapped line, not a paragraph.
WRAPPED_END = re.compile(r"[\u3400-\u9fff\dA-Za-z]$")


class IngestError(AssistantError):
    """A policy file cannot be read or added; the message says why, in Chinese."""


@dataclass(frozen=True)
class ExtractedText:
    """What a file yielded: raw text segments and facts about the file."""

    path: Path
    kind: str  # "PDF" | "Word" | "文本"
    segments: tuple[str, ...]
    pages: int = 0  # PDF pages
    pages_without_text: tuple[int, ...] = field(default=())  # 1-based PDF pages with no text layer

    @property
    def raw(self) -> str:
        """The extracted text before cleaning, segments separated by blank lines."""
        return "\n\n".join(self.segments) + "\n"


def extract_text(path: Path) -> ExtractedText:
    """Read `path` by its extension; IngestError with a Chinese reason when it cannot be read."""
    if not path.exists():
        raise IngestError(f"找不到文件：{path}")
    if path.is_dir():
        raise IngestError(f"{path} 是一个目录：请给出一个 .pdf、.docx 或 .txt 文件")
    suffix = path.suffix.lower()
    if suffix in OLD_WORD_SUFFIXES:
        raise IngestError(f"{path.name}：不支持 {suffix} 格式，请在 Word 或 WPS 中“另存为” .docx 后再收录")
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path.name}：不支持 {suffix or '无扩展名'} 格式的文件，只能收录 .pdf、.docx 或 .txt")
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path.name} 是空文件，没有任何内容")
    readers = {".pdf": _read_pdf, ".docx": _read_docx, ".txt": _read_txt}
    extracted = readers[suffix](path, data)
    _check_readable(extracted)
    return extracted


# ---- PDF ----------------------------------------------------------------------------------
def _read_pdf(path: Path, data: bytes) -> ExtractedText:
    from io import BytesIO

    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # An owner password only restricts printing or copying and opens with "";
            # a user password is needed to read anything.
            raise IngestError(_encrypted_message(path))
        page_texts = [_page_text(page) for page in reader.pages]
    except IngestError:
        raise
    except (FileNotDecryptedError, DependencyError) as error:
        raise IngestError(_encrypted_message(path)) from error
    except PdfReadError as error:
        raise IngestError(f"{path.name} 无法作为 PDF 打开（文件可能已损坏或不完整）：{error}") from error
    except Exception as error:
        # A damaged file makes pypdf fail in many ways; the user gets one line, the log the traceback.
        logger.warning("pypdf could not read %s", path, exc_info=True)
        raise IngestError(f"{path.name} 无法作为 PDF 打开（文件可能已损坏）：{type(error).__name__}") from error
    if not page_texts:
        raise IngestError(f"{path.name} 无法作为 PDF 打开：文件中没有任何页面")
    empty = tuple(number for number, text in enumerate(page_texts, 1)
                  if len(re.sub(r"\s", "", text)) < MIN_PAGE_CHARACTERS)
    if len(empty) == len(page_texts):
        raise IngestError(
            f"{path.name} 没有文字层（像是扫描件或图片），读不出文字：请提供可复制文字的 PDF 或 Word 版本，"
            "或先用 OCR 软件识别成文字后另存为 .docx"
        )
    segments = split_layout_segments([text for text in page_texts if text.strip()])
    return ExtractedText(path, "PDF", tuple(segments), len(page_texts), empty)


def _page_text(page: object) -> str:
    """The page in layout mode (indentation kept); plain mode if layout mode fails on it."""
    try:
        text: str = page.extract_text(extraction_mode="layout")  # type: ignore[attr-defined]
    except Exception:  # layout mode fails on some odd PDFs where plain mode still works
        logger.info("layout extraction failed, using plain mode", exc_info=True)
        text = ""
    if not text.strip():
        text = page.extract_text() or ""  # type: ignore[attr-defined]
    return text


def _encrypted_message(path: Path) -> str:
    return (f"{path.name} 已加密，需要密码才能打开：请向发文单位索取未加密的版本，"
            "或用密码打开后另存为不加密的 PDF")


def split_layout_segments(pages: list[str]) -> list[str]:
    """Group layout-mode lines into segments at the paragraph starts the layout shows."""
    lines: list[tuple[str, str]] = []  # (kind, text); kind: margin | first | display
    for page in pages:
        lines += _classify_lines(page)
    segments: list[list[str]] = []
    previous: tuple[str, str] | None = None
    for kind, text in lines:
        if previous is None or _starts_segment(previous, (kind, text)):
            segments.append([])
        segments[-1].append(text)
        previous = (kind, text)
    return ["\n".join(segment) for segment in segments]


def _classify_lines(page: str) -> list[tuple[str, str]]:
    raw = [line.rstrip() for line in page.split("\n")]
    raw = [line for line in raw if line.strip() and not PAGE_NUMBER.match(line.strip())]
    if not raw:
        return []
    indents = [len(line) - len(line.lstrip(" \u3000")) for line in raw]
    body = [indent for line, indent in zip(raw, indents, strict=True) if len(line.strip()) >= 8]
    margin = Counter(body).most_common(1)[0][0] if body else min(indents)
    relative = [indent - margin for indent in indents]
    # The first-line indent: how far lines that are followed by a margin line are indented.
    openers = [r for r, after in zip(relative, [*relative[1:], 1], strict=True) if 0 < r <= 8 and after <= 0]
    first_line = Counter(openers).most_common(1)[0][0] if openers else None
    kinds = []
    for r in relative:
        if r <= 0:
            kinds.append("margin")
        elif first_line is not None and r <= first_line + 1:
            kinds.append("first")
        else:
            kinds.append("display")
    return [(kind, line.strip()) for kind, line in zip(kinds, raw, strict=True)]


def _starts_segment(previous: tuple[str, str], current: tuple[str, str]) -> bool:
    """An indented line starts a paragraph only where the previous one is finished: a line
    ending mid-sentence is never cut from the next, whatever the indentation says."""
    previous_kind, previous_text = previous
    kind, _ = current
    if kind == "margin":
        return False
    return previous_text.endswith(SENTENCE_END) or (previous_kind == "display" and kind == "first")


# ---- Word ---------------------------------------------------------------------------------
def _read_docx(path: Path, data: bytes) -> ExtractedText:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    if data.startswith(OLE_MAGIC):
        raise IngestError(f"{path.name} 是加密的 Word 文件或旧版 .doc 格式，无法读取：请取消密码并“另存为” .docx")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile) as error:
        raise IngestError(f"{path.name} 无法作为 Word（.docx）文件打开（文件已损坏，或实为其他格式）") from error
    except Exception as error:  # broken XML inside the zip, missing parts, …
        logger.warning("python-docx could not read %s", path, exc_info=True)
        raise IngestError(f"{path.name} 无法作为 Word（.docx）文件打开（已损坏）：{type(error).__name__}") from error
    paragraphs: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))  # merged cells repeat
                paragraphs.append(" | ".join(cell for cell in cells if cell))
        else:
            paragraphs.append(block.text)
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs:
        raise IngestError(f"{path.name} 中没有文字")
    wrapped = sum(1 for p in paragraphs if len(p.strip()) >= 12 and WRAPPED_END.search(p.strip()))
    if wrapped >= 3 and wrapped >= 0.3 * len(paragraphs):
        # Hard-wrapped lines pasted from a PDF: let cleaning join them as it does for PDFs.
        return ExtractedText(path, "Word", ("\n".join(paragraphs),))
    return ExtractedText(path, "Word", tuple(paragraphs))


# ---- plain text ---------------------------------------------------------------------------
def _read_txt(path: Path, data: bytes) -> ExtractedText:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if b"\x00" in data:
            raise IngestError(f"{path.name} 不是文本文件（含有二进制内容）")
        encodings = ("utf-8-sig", "gb18030")  # utf-8-sig reads UTF-8 with or without a BOM
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IngestError(f"{path.name} 的文字编码无法识别（已尝试 UTF-8 和 GB18030）：请用记事本“另存为” UTF-8 编码")
    if not text.strip():
        raise IngestError(f"{path.name} 中没有文字")
    # A plain text's first line is its title: kept a paragraph of its own, not joined to the next
    # line as a hard-wrapped one would be.
    first, _, rest = text.strip("\ufeff\r\n").partition("\n")
    if rest.strip() and len(first.strip()) <= TITLE_LINE and not first.rstrip().endswith(SENTENCE_END):
        return ExtractedText(path, "文本", (first.strip(), rest))
    return ExtractedText(path, "文本", (text,))


def _check_readable(extracted: ExtractedText) -> None:
    """A text layer of mostly non-Chinese symbols is a font without a Unicode map, or a wrong encoding."""
    characters = re.sub(r"\s", "", "".join(extracted.segments))
    share = len(CJK.findall(characters)) / len(characters) if characters else 0.0
    if len(characters) >= 20 and share < MIN_CJK_SHARE:
        reason = "不是中文政策，或 PDF 的字体缺少编码信息" if extracted.kind == "PDF" else "不是中文政策，或编码不对"
        raise IngestError(f"{extracted.path.name} 读出的内容几乎不含汉字（{reason}），未收录")


@dataclass(frozen=True)
class ReadPolicy:
    """A file read, cleaned and split into clauses, before any metadata."""

    extracted: ExtractedText
    text: str  # cleaned, one paragraph a line
    clauses: tuple[Clause, ...]


# ---- reading --------------------------------------------------------------------------------
def read_policy(path: Path) -> ReadPolicy:
    """Extract, clean and parse `path`; IngestError when it is unreadable or not a policy."""
    extracted = extract_text(path)
    text = clean_segments(list(extracted.segments))
    clauses = tuple(parse_clauses("new", text))
    if not any(c.clause.isdigit() for c in clauses):
        raise IngestError(
            f"{path.name} 中没有识别出任何条款（如「第一条」「一、」「1.」），看起来不是一份政策文件，未收录"
        )
    return ReadPolicy(extracted, text, clauses)


def clean_segments(segments: list[str]) -> str:
    """clean_text on each segment; the 抄送/印发 footer ends the document, wherever it falls."""
    paragraphs: list[str] = []
    for segment in segments:
        lines = segment.split("\n")
        footer = next((i for i, line in enumerate(lines) if FOOTER_START.match(line.strip())), None)
        paragraphs += [p for p in clean_text("\n".join(lines[:footer])).split("\n") if p.strip()]
        if footer is not None:
            break
    return "\n".join(paragraphs) + "\n"
