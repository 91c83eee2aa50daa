"""Reading corpus files into text: formats converted, encodings detected, bad files refused with a reason.

Formats and the libraries that read them: .txt/.md (our decoder), .html/.htm (trafilatura: the main text,
without menus or related-news lists), .docx (python-docx: paragraphs and tables), .pdf (pypdf: the text layer).
Encodings: UTF-8 with or without BOM, UTF-16 with BOM, and the legacy Vietnamese Windows-1258 and TCVN3 (ABC)
single-byte encodings, told apart by how much of the decoded text is Vietnamese letters.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".docx", ".pdf")

# TCVN3 (ABC): the byte values of its Vietnamese letters; bytes below 0x80 are ASCII.
_TCVN3 = dict((int(code, 16), letter) for code, letter in (item.split(":") for item in """
b5:à b6:ả b7:ã b8:á b9:ạ a8:ă bb:ằ bc:ẳ bd:ẵ be:ắ c6:ặ a9:â c7:ầ c8:ẩ c9:ẫ ca:ấ cb:ậ a7:Đ ae:đ cc:è ce:ẻ cf:ẽ
d0:é d1:ẹ aa:ê d2:ề d3:ể d4:ễ d5:ế d6:ệ d7:ì d8:ỉ dc:ĩ dd:í de:ị df:ò e1:ỏ e2:õ e3:ó e4:ọ ab:ô e5:ồ e6:ổ e7:ỗ
e8:ố e9:ộ ac:ơ ea:ờ eb:ở ec:ỡ ed:ớ ee:ợ ef:ù f1:ủ f2:ũ f3:ú f4:ụ ad:ư f5:ừ f6:ử f7:ữ f8:ứ f9:ự fa:ỳ fb:ỷ fc:ỹ
fd:ý fe:ỵ a1:Ă a2:Â a3:Ê a4:Ô a5:Ơ a6:Ư""".split()))
_VIETNAMESE_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")
# Share of non-ASCII characters that must be Vietnamese letters for a legacy decoding to be believed.
_LEGACY_CONFIDENCE = 0.85


class UnreadableFile(ValueError):
    """A corpus file that cannot become text; the message names the file and why."""


@dataclass(frozen=True)
class SourceFile:
    doc_id: str
    path: Path
    text: str


def doc_id_for(path: Path) -> str:
    return path.stem


def _vietnamese_share(text: str) -> float:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 0.0
    return sum(ch in _VIETNAMESE_LETTERS for ch in non_ascii) / len(non_ascii)


def _decode_tcvn3(data: bytes) -> str:
    return "".join(_TCVN3.get(b, chr(b)) if b >= 0x80 else chr(b) for b in data)


def decode(data: bytes, name: str) -> str:
    """Bytes of a text file -> NFC text; UnreadableFile names the file and the reason."""
    if not data.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}: looks like a binary file, not text")
    # Legacy Vietnamese: try both single-byte encodings, keep the one that reads as Vietnamese.
    candidates = [unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), _decode_tcvn3(data)]
    best = max(candidates, key=_vietnamese_share)
    if _vietnamese_share(best) >= _LEGACY_CONFIDENCE:
        return best
    guess = from_bytes(data).best()
    if guess is not None and guess.encoding is not None and _vietnamese_share(str(guess)) >= _LEGACY_CONFIDENCE:
        return str(guess)
    raise UnreadableFile(f"{name}: the text encoding could not be recognised (not UTF-8, UTF-16, Windows-1258 or "
                         "TCVN3); save it as UTF-8")


def _html_text(data: bytes, name: str) -> str:
    import trafilatura

    declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
    try:
        html = data.decode(declared.group(1).decode()) if declared else decode(data, name)
    except (LookupError, UnicodeDecodeError):
        html = decode(data, name)
    body = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True)
    if not body or not body.strip():
        raise UnreadableFile(f"{name}: no article text found in the HTML page")
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "").strip() if meta else ""
    lines = body.strip().split("\n")
    if title and lines[0].strip() == title:
        lines = lines[1:]
    # Title first, then the date as newspapers print it: the layout the article parser reads.
    date = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", (meta.date or "") if meta else "")
    head = [title] if title else []
    if date:
        head.append(f"{int(date.group(3))}/{int(date.group(2))}/{date.group(1)}")
    return "\n".join([*head, *lines])


def _docx_text(data: bytes, name: str) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several kinds for a damaged package
        raise UnreadableFile(f"{name}: not a readable .docx file ({error.__class__.__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(dict.fromkeys(cell.text.strip() for cell in row.cells)))
    return "\n".join(lines)


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile(f"{name}: the PDF is encrypted; export it without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise UnreadableFile(f"{name}: not a readable PDF ({error.__class__.__name__}: {error})") from None
    text = "\n".join(pages)
    if not any(ch.isalpha() for ch in text):
        raise UnreadableFile(f"{name}: the PDF has no text layer (a scan?); run OCR or send the text")
    return text


def read_bytes(data: bytes, name: str) -> str:
    """File content -> NFC text, by the file name's extension."""
    suffix = check_format(name)
    if not data.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    if suffix in HTML_SUFFIXES:
        text = _html_text(data, name)
    elif suffix == ".docx":
        text = _docx_text(data, name)
    elif suffix == ".pdf":
        text = _pdf_text(data, name)
    else:
        text = decode(data, name)
    return unicodedata.normalize("NFC", text)


def check_format(name: str) -> str:
    """The file's lower-cased extension; UnreadableFile when it is not one we read."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"{name}: {suffix or 'no extension'} is not a supported format "
                             f"({', '.join(SUPPORTED_SUFFIXES)})")
    return suffix


def check_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UnreadableFile(f"{name}: {size} bytes is over the {max_bytes}-byte limit (HOIDAP_MAX_FILE_BYTES)")


def read_text(data: bytes, name: str) -> str:
    """read_bytes, refusing a file that holds no letters at all: what the index accepts."""
    text = read_bytes(data, name)
    if not any(ch.isalpha() for ch in text):
        raise UnreadableFile(f"{name}: holds no readable text")
    return text


def read_source(path: Path, max_bytes: int) -> SourceFile:
    check_size(path.name, path.stat().st_size, max_bytes)
    return SourceFile(doc_id_for(path), path, read_text(path.read_bytes(), path.name))


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"The corpus folder {corpus_dir} does not exist; create it or set HOIDAP_CORPUS_DIR"
        )
    return sorted(p for p in corpus_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
