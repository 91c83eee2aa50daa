"""Reading corpus files into text: encodings detected, bad files refused with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

SUPPORTED_SUFFIXES = (".txt", ".md")


class UnreadableFile(ValueError):
    """A corpus file that cannot become text; the message names the file and why."""


@dataclass(frozen=True)
class SourceFile:
    doc_id: str
    path: Path
    text: str


def doc_id_for(path: Path) -> str:
    return path.stem


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}: looks like a binary file, not text")
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableFile(f"{name}: the text encoding could not be recognised; save it as UTF-8")
    return str(best)


def read_source(path: Path, max_bytes: int) -> SourceFile:
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile(f"{path.name}: {size} bytes is over the {max_bytes}-byte limit (HOIDAP_MAX_FILE_BYTES)")
    text = decode(path.read_bytes(), path.name)
    if not any(ch.isalpha() for ch in text):
        raise UnreadableFile(f"{path.name}: holds no readable text")
    return SourceFile(doc_id_for(path), path, text)


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"The corpus folder {corpus_dir} does not exist; create it or set HOIDAP_CORPUS_DIR"
        )
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
