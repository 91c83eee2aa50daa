"""Articles -> sentence passages with their neighbours, via llama-index's sentence-window parser."""
from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import SentenceWindowNodeParser

from .models import Article
from .text import folded_words, split_sentences

WINDOW_SIZE = 1
_MIN_FOLDED_CHARS = 12
_PARSER = SentenceWindowNodeParser.from_defaults(
    sentence_splitter=split_sentences, window_size=WINDOW_SIZE, include_prev_next_rel=False,
)


def _key(sentence: str) -> str:
    return " ".join(folded_words(sentence))


def passages_for(articles: list[Article], version: str = "") -> list[tuple[str, str, dict]]:
    """(passage id, sentence, metadata) for every distinct sentence of one file's articles.

    `version` (the file's content hash) is part of every id and metadata, so a new version of a file
    can be written beside the old one and made visible at once (see indexing).

    A sentence repeated verbatim, or contained in one already kept (a page-break fragment of a
    repeated block), is indexed once.
    """
    seen: list[str] = []
    passages = []
    for article in articles:
        document = Document(text=article.text, metadata={})
        nodes = _PARSER.get_nodes_from_documents([document])
        position = 0
        for node in nodes:
            sentence = node.metadata["original_text"].strip()
            key = _key(sentence)
            if len(key) < _MIN_FOLDED_CHARS or any(key in earlier for earlier in seen):
                continue
            seen.append(key)
            passages.append((
                f"{article.article_id}:{position}@{version}",
                sentence,
                {
                    "doc_id": article.doc_id,
                    "version": version,
                    "article_id": article.article_id,
                    "article_no": article.number,
                    "title": article.title,
                    "date": article.date or "",
                    "source": article.source or "",
                    "author": article.author or "",
                    "province": article.primary_province or "",
                    "provinces": "|" + "|".join(article.provinces) + "|" if article.provinces else "",
                    "window": node.metadata["window"],
                    "position": position,
                },
            ))
            position += 1
    return passages
