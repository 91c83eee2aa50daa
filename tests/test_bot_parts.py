"""The bot's small parts on their own: message splitting, follow-ups, settings, limits, memory, audit export."""
from __future__ import annotations

import csv
import random
import re

import pytest

from bot.audit import AuditLog
from bot.cli import main
from bot.conversation import ConversationMemory
from bot.markup import HTML, split_html, utf16_len, visible_text
from bot.ratelimit import SlidingWindowLimiter
from fake_bot_api import check_html
from index import SettingsError, load_settings
from index.followup import resolve_followup
from index.gazetteer import default_gazetteer
from index.models import Answer, Citation

PREVIOUS = "Bình Dương có bao nhiêu mô hình tự quản về ANTT?"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _random_html(rng: random.Random) -> str:
    words = "Công an tỉnh Bình Dương & đã xây dựng 59 mô hình <tự quản> về ANTT. 🔥 Năm 2023, xã".split()
    chunks = []
    for _ in range(rng.randint(1, 40)):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 80)))
        kind = rng.random()
        if kind < 0.2:
            chunks.append(HTML.bold(text))
        elif kind < 0.3:
            chunks.append(HTML.quote(f"{text}\n\n{text}"))
        elif kind < 0.35:
            chunks.append(HTML.text(text).replace(" ", ""))  # a run with no place to cut but hard
        else:
            chunks.append(HTML.text(text) + rng.choice(["\n", "\n\n", " ", ". "]))
    return "".join(chunks)


@pytest.mark.parametrize("seed", range(150))
def test_split_html_keeps_every_part_valid_and_loses_nothing(seed):
    rng = random.Random(seed)
    markup = _random_html(rng)
    limit = rng.choice([60, 300, 4096])
    parts = split_html(markup, limit)
    for part in parts:
        assert utf16_len(part) <= limit
        assert check_html(part) is None, part
    assert re.sub(r"\s+", "", "".join(visible_text(p) for p in parts)) == re.sub(r"\s+", "", visible_text(markup))


def test_split_html_prefers_paragraphs_and_leaves_short_messages_alone():
    assert split_html("<b>ngắn</b>") == ["<b>ngắn</b>"]
    paragraphs = "\n\n".join(f"Đoạn {n}: " + "chữ " * 300 for n in range(5))
    parts = split_html(paragraphs)
    assert len(parts) == 2 and parts[0].endswith("chữ") and parts[1].startswith("Đoạn")


@pytest.mark.parametrize("question, expected", [
    ("còn Ninh Bình thì sao?", "Ninh Bình có bao nhiêu mô hình tự quản về ANTT?"),
    ("con ninh binh thi sao", "ninh binh có bao nhiêu mô hình tự quản về ANTT?"),
    ("Thế còn tỉnh Thái Bình?", "Thái Bình có bao nhiêu mô hình tự quản về ANTT?"),
    ("năm 2023 tỉnh này xây mới những mô hình nào?", "năm 2023 tỉnh Bình Dương xây mới những mô hình nào?"),
    ("ở đó có bao nhiêu camera?", "ở Bình Dương có bao nhiêu camera?"),
    ("còn năm 2022?", "Bình Dương có bao nhiêu mô hình tự quản về ANTT năm 2022?"),
    # New questions stay as typed.
    ("Thái Bình có bao nhiêu điểm chữa cháy công cộng?", "Thái Bình có bao nhiêu điểm chữa cháy công cộng?"),
    ("tình hình ANTT ở Thái Bình thế nào?", "tình hình ANTT ở Thái Bình thế nào?"),
    ("còn camera giám sát ở các khu công nghiệp thì sao?", "còn camera giám sát ở các khu công nghiệp thì sao?"),
    ("tỉnh này có mấy huyện?", "tỉnh Bình Dương có mấy huyện?"),
])
def test_follow_ups_become_standalone_questions(question, expected):
    assert resolve_followup(question, PREVIOUS, default_gazetteer()) == expected


def test_follow_up_without_context_is_taken_as_typed():
    assert resolve_followup("còn Ninh Bình thì sao?", None, default_gazetteer()) == "còn Ninh Bình thì sao?"
    assert resolve_followup("tỉnh này có mấy huyện?", "Ai chủ trì hội nghị?", default_gazetteer()) == \
        "tỉnh này có mấy huyện?"


def test_conversation_memory_expires():
    clock = FakeClock()
    memory = ConversationMemory(ttl_seconds=60, clock=clock)
    memory.remember((1, 1), PREVIOUS)
    clock.now += 59
    assert memory.previous((1, 1)) == PREVIOUS and memory.previous((1, 2)) is None
    clock.now += 2
    assert memory.previous((1, 1)) is None


def test_rate_limit_slides_per_user():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 60, clock=clock)
    assert limiter.try_acquire(1) == 0 and limiter.try_acquire(1) == 0
    assert limiter.try_acquire(1) == 60 and limiter.try_acquire(2) == 0
    clock.now += 45
    assert limiter.try_acquire(1) == 15
    clock.now += 15
    assert limiter.try_acquire(1) == 0
    assert SlidingWindowLimiter(0).try_acquire(1) == 0  # 0 = unlimited


@pytest.mark.parametrize("configured, api, files", [
    ("https://api.telegram.org/bot", "https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
    ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
    ("http://h/custom/bot{token}", "http://h/custom/bot{token}", "http://h/custom/file/bot{token}"),
])
def test_bot_api_base_url_forms(configured, api, files):
    assert load_settings(_env_file=None, telegram_base_url=configured).bot_api_urls() == (api, files)


def test_bot_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOIDAP_ALLOWED_USER_IDS", "1, 2,3")
    monkeypatch.setenv("HOIDAP_ALLOWED_CHAT_IDS", "-100200")
    monkeypatch.setenv("HOIDAP_TELEGRAM_TOKEN", "12345:" + "x" * 30)
    settings = load_settings(_env_file=None)
    assert settings.allowed_user_ids == {1, 2, 3} and settings.allowed_chat_ids == {-100200}
    assert "x" * 30 not in repr(settings)  # SecretStr


@pytest.mark.parametrize("name, value, message", [
    ("HOIDAP_ADMIN_USER_IDS", "ana,bob", "HOIDAP_ADMIN_USER_IDS.*numeric"),
    ("HOIDAP_TELEGRAM_TOKEN", "not-a-token-secretvalue", "HOIDAP_TELEGRAM_TOKEN.*BotFather"),
    ("HOIDAP_TELEGRAM_BASE_URL", "127.0.0.1:8081", "HOIDAP_TELEGRAM_BASE_URL.*http"),
    ("HOIDAP_WEBHOOK_URL", "https://bot.example.org/hook", "HOIDAP_WEBHOOK_SECRET must be set"),
])
def test_bad_bot_settings_name_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message) as error:
        load_settings(_env_file=None)
    assert "secretvalue" not in str(error.value)  # a token is never echoed back


def test_feedback_export_for_evaluators(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(tmp_path / "data"))
    assert main(["feedback", "--export", str(tmp_path / "none.csv")]) == 2
    assert "no audit log" in capsys.readouterr().err
    audit = AuditLog(tmp_path / "data" / "audit.sqlite3")
    citation = Citation(1, "doc_a", "Tiêu đề", "2024-01-02", "Báo A", "Bình Dương", "Câu trích, có dấu phẩy.", 0.9)
    first = audit.record(7, 7, "câu hỏi 1", Answer("câu hỏi 1", True, "Trả lời [1]", (citation,), 12.5))
    audit.record(8, -5, "còn Huế?", Answer("Huế ...?", False, ""), interpreted="Huế ...?")
    assert audit.set_feedback(first, 7, -1) and not audit.set_feedback(999, 7, 1)
    assert audit.citations(first) == (citation,)
    audit.close()
    out = tmp_path / "feedback.csv"
    assert main(["feedback", "--export", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["question"] for r in rows] == ["câu hỏi 1", "còn Huế?"]
    assert rows[0]["feedback"] == "-1" and rows[0]["doc_ids"] == "doc_a" and rows[1]["interpreted"] == "Huế ...?"
    assert main(["feedback", "--export", str(tmp_path / "missing" / "x.csv")]) == 2


def test_bot_command_without_token_explains(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(tmp_path / "data"))
    assert main(["bot"]) == 2
    assert "HOIDAP_TELEGRAM_TOKEN is not set" in capsys.readouterr().err


def test_bot_command_explains_an_unreachable_bot_api(tmp_path, monkeypatch, capsys):
    import shutil
    import socket

    from conftest import CORPUS

    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HOIDAP_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOIDAP_EMBEDDING_BACKEND", "hashing")
    monkeypatch.setenv("HOIDAP_TELEGRAM_TOKEN", "12345:" + "x" * 30)
    monkeypatch.setenv("HOIDAP_TELEGRAM_BASE_URL", f"http://127.0.0.1:{port}")
    assert main(["bot"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Telegram Bot API" in err and "x" * 30 not in err
