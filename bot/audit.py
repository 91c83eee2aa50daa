"""The audit log: every question the bot answered, with its citations and the user's feedback (SQLite)."""
from __future__ import annotations

import csv
import json
import sqlite3
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from index.models import Answer, Citation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at TEXT NOT NULL,
    user_id INTEGER,
    chat_id INTEGER,
    question TEXT NOT NULL,
    interpreted TEXT,
    found INTEGER NOT NULL,
    doc_ids TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    feedback INTEGER,
    feedback_user_id INTEGER,
    citations TEXT NOT NULL,
    mode TEXT,
    fallback TEXT
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""
EXPORT_COLUMNS = ["id", "asked_at", "user_id", "chat_id", "question", "interpreted", "found", "doc_ids",
                  "latency_ms", "feedback", "mode", "fallback"]


@dataclass(frozen=True)
class Usage:
    questions: int
    today: int
    users: int
    found: int
    mean_latency_ms: float
    thumbs_up: int
    thumbs_down: int


class AuditLog:
    """Thread-safe; WAL mode so several bot replicas can share one file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(questions)")}
        for column in ("mode", "fallback"):  # logs written before the LLM mode lack these
            if column not in columns:
                self._db.execute(f"ALTER TABLE questions ADD COLUMN {column} TEXT")

    def record(self, user_id: int | None, chat_id: int | None, asked: str, answer: Answer,
               interpreted: str | None = None) -> int:
        """Store one answered question as typed (and as interpreted, for a follow-up); returns its id,
        which the answer's buttons refer to."""
        doc_ids = sorted({c.doc_id for c in answer.citations})
        citations = json.dumps([asdict(c) for c in answer.citations], ensure_ascii=False)
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, user_id, chat_id, question, interpreted, found, doc_ids,"
                " latency_ms, citations, mode, fallback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), user_id, chat_id, asked, interpreted, int(answer.found), "|".join(doc_ids),
                 round(answer.latency_ms, 1), citations, answer.mode, answer.fallback))
            return int(cursor.lastrowid)

    def citations(self, answer_id: int) -> tuple[Citation, ...] | None:
        with self._lock:
            row = self._db.execute("SELECT citations FROM questions WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        return tuple(Citation(**{**item, "also_in": tuple(item.get("also_in", ()))}) for item in json.loads(row[0]))

    def set_feedback(self, answer_id: int, user_id: int | None, value: int) -> bool:
        """+1 or -1 on an answer; the latest vote wins. False when the answer is unknown."""
        with self._lock, self._db:
            cursor = self._db.execute("UPDATE questions SET feedback = ?, feedback_user_id = ? WHERE id = ?",
                                      (1 if value > 0 else -1, user_id, answer_id))
            return cursor.rowcount == 1

    def usage(self) -> Usage:
        today = _now()[:10]
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), SUM(asked_at >= ?), COUNT(DISTINCT user_id), SUM(found), AVG(latency_ms),"
                " SUM(feedback = 1), SUM(feedback = -1) FROM questions", (today,)).fetchone()
        questions, today_count, users, found, latency, up, down = row
        return Usage(questions, today_count or 0, users, found or 0, latency or 0.0, up or 0, down or 0)

    def export_csv(self, path: Path) -> int:
        """Every question with its feedback, one CSV row each; returns the number of rows."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM questions ORDER BY id").fetchall()
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(rows)
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
