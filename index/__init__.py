"""hoidap's engine: ingestion, embeddings, Chroma, retrieval, extractive answers and evaluation.

Verbs live on `Engine` (build, search, answer, stats); results are the frozen dataclasses in `models`.
"""
from .engine import Engine, QuestionError
from .models import Answer, Citation, IndexReport, IndexStats, Passage
from .settings import Settings, SettingsError, load_settings

__all__ = ["Engine", "QuestionError", "Answer", "Citation", "IndexReport", "IndexStats", "Passage",
           "Settings", "SettingsError", "load_settings"]
