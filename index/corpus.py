"""Adding files to the corpus folder and taking them out, without losing anything on the way."""
from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

from .reading import SUPPORTED_SUFFIXES, UnreadableFile, check_format

MAX_NAME_CHARS = 100


class FileExists(FileExistsError):
    """The corpus already has a file of that name; overwriting needs a confirmation."""


def safe_file_name(name: str) -> str:
    """A name someone sent -> a corpus file name: no folders, no '..', letters/digits/_-. only.

    Vietnamese letters stay ('bài_mới.docx'); anything else becomes '_'.

    Raises:
        UnreadableFile: the extension is not a supported format, or nothing is left of the name.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1]).strip()
    suffix = check_format(base)
    stem = re.sub(r"[^\w-]+", "_", base[:-len(suffix)], flags=re.UNICODE).strip("_.")[:MAX_NAME_CHARS]
    if not stem:
        raise UnreadableFile(f"{name}: the file name has no letters or digits; rename it")
    return stem + suffix


def save_to_corpus(corpus_dir: Path, name: str, data: bytes, overwrite: bool = False) -> Path:
    """Write `data` as corpus_dir/name atomically (a reader never sees half a file).

    Raises:
        FileExists: a file of that name (or of that doc_id in another format) exists and overwrite is False.
    """
    target = corpus_dir / name
    clash = [p for p in corpus_dir.glob(f"{glob_escape(target.stem)}.*")
             if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != name]
    if clash:
        raise FileExists(f"{clash[0].name} already has the doc_id {target.stem}; rename the new file")
    if target.exists() and not overwrite:
        raise FileExists(f"{name} is already in the corpus")
    temporary = corpus_dir / f".{name}.{os.getpid()}.part"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


def remove_from_corpus(corpus_dir: Path, doc_id: str, trash_dir: Path) -> Path:
    """Move the file of `doc_id` into the trash folder (kept, not deleted); returns where it went.

    Raises:
        FileNotFoundError: no corpus file has that doc_id.
    """
    matches = [p for p in corpus_dir.glob(f"{glob_escape(doc_id)}.*") if p.suffix.lower() in SUPPORTED_SUFFIXES]
    if not matches:
        raise FileNotFoundError(f"No corpus file has the doc_id {doc_id}")
    trash_dir.mkdir(parents=True, exist_ok=True)
    target = trash_dir / f"{time.strftime('%Y%m%d-%H%M%S')}_{matches[0].name}"
    shutil.move(str(matches[0]), target)
    return target


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
