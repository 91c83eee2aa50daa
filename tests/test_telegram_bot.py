"""The real python-telegram-bot Application, end to end over HTTP against a Bot API server on 127.0.0.1."""
from __future__ import annotations

import logging

import pytest

from bot.audit import AuditLog
from bot.logs import configure_logging
from fake_bot_api import TOKEN, FakeBotApi, RunningBot, check_html
from conftest import make_settings

ADMIN, OFFICIAL, OTHER_OFFICIAL, STRANGER = 900, 100, 101, 555
GROUP, STRANGE_GROUP = -1001, -2002
BINH_DUONG = "004_0105c699471a6aab"
QUESTION = "Bình Dương có bao nhiêu mô hình tự quản về ANTT?"


@pytest.fixture(scope="module")
def telegram(seed_engine, tmp_path_factory):
    """One bot for the module; each test uses its own user ids, so rate limits and context do not mix."""
    root = tmp_path_factory.mktemp("bot")
    settings = make_settings(root, seed_engine.settings.corpus_dir, telegram_token=TOKEN,
                             allowed_user_ids=f"{OFFICIAL},{OTHER_OFFICIAL},102,103,104,105,106,107,108,109",
                             allowed_chat_ids=str(GROUP), admin_user_ids=str(ADMIN), rate_limit_per_minute=4)
    audit = AuditLog(settings.audit_path)
    with FakeBotApi() as api:
        settings = settings.model_copy(update={"telegram_base_url": api.base_url})
        running = RunningBot(settings, seed_engine, audit).start(api)
        try:
            yield api, audit
        finally:
            running.stop()
            audit.close()


def _exchange(api: FakeBotApi, user_id: int, text: str, chat_id: int | None = None, **extra) -> dict:
    """Send one message and wait for the bot's next message in that chat (updates run concurrently,
    so tests that care about order send one at a time)."""
    chat = user_id if chat_id is None else chat_id
    before = len(api.sent_to(chat))
    api.send_text(user_id, text, chat_id, **extra)
    return api.wait_messages(chat, before + 1)[before]


def _answer_id(message: dict) -> int:
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    return int(buttons[-1]["callback_data"].split(":")[1])


def test_commands_are_registered_for_everyone_and_admins(telegram):
    api, _ = telegram
    registered = api.calls_of("setMyCommands")
    public = [c["command"] for c in registered[0].params["commands"]]
    assert public == ["start", "help", "hoi", "tinh", "moi", "id"]
    admin = next(c for c in registered if c.params.get("scope", {}).get("chat_id") == ADMIN)
    assert {"thongke", "reindex"} <= {c["command"] for c in admin.params["commands"]}


def test_private_question_is_answered_with_citations_and_buttons(telegram):
    api, audit = telegram
    api.send_text(OFFICIAL, QUESTION)
    [reply] = api.wait_messages(OFFICIAL, 1)
    assert "59 mô hình" in reply["text"] and "<b>Nguồn:</b>" in reply["text"] and "[1]" in reply["text"]
    labels = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "📄 1" and labels[-2:] == ["👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in reply["reply_markup"]["inline_keyboard"] for b in row)
    assert audit.citations(_answer_id(reply))[0].doc_id == BINH_DUONG
    typing = [c for c in api.calls_of("sendChatAction") if int(c.params["chat_id"]) == OFFICIAL]
    assert typing and typing[0].params["action"] == "typing"


def test_buttons_show_the_passage_and_record_feedback(telegram):
    api, audit = telegram
    api.send_text(OTHER_OFFICIAL, QUESTION)
    [reply] = api.wait_messages(OTHER_OFFICIAL, 1)
    answer_id = _answer_id(reply)
    api.press(OTHER_OFFICIAL, reply, f"p:{answer_id}:1")
    passage = api.wait_messages(OTHER_OFFICIAL, 2)[-1]["text"]
    assert "<blockquote>" in passage and "59 mô hình" in passage
    api.press(OTHER_OFFICIAL, reply, f"f:{answer_id}:1")
    api.wait_for(lambda: any("Cảm ơn" in c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")))
    assert audit.usage().thumbs_up == 1
    api.press(OTHER_OFFICIAL, reply, "p:999999:1")  # an answer that does not exist
    api.wait_for(lambda: any("Không còn" in c.params.get("text", "") for c in api.calls_of("answerCallbackQuery")))


def test_strangers_are_refused_with_their_id_and_no_corpus_text(telegram):
    api, audit = telegram
    before = audit.usage().questions
    replies = [_exchange(api, STRANGER, text) for text in (QUESTION, "/help", "/id")]
    for reply in replies[:2]:
        assert "chưa được cấp quyền" in reply["text"] and str(STRANGER) in reply["text"]
    assert str(STRANGER) in replies[2]["text"]
    everything = " ".join(r["text"] for r in replies)
    assert "59" not in everything and "Nguồn" not in everything and "bài viết" not in everything
    assert audit.usage().questions == before
    api.press(STRANGER, {"message_id": 1, "date": 0, "chat": {"id": STRANGER, "type": "private"}}, "p:1:1")
    api.wait_for(lambda: any("chưa được cấp quyền" in c.params.get("text", "")
                             for c in api.calls_of("answerCallbackQuery")))


def test_group_answers_only_when_addressed(telegram):
    api, _ = telegram
    api.send_text(OFFICIAL, "Bình Dương có bao nhiêu mô hình?", chat_id=GROUP)  # chatter: ignored
    api.mention(OFFICIAL, GROUP, QUESTION)
    first = api.wait_messages(GROUP, 1)[0]
    assert "59 mô hình" in first["text"]
    second = _exchange(api, OFFICIAL, "Thái Bình có bao nhiêu điểm chữa cháy công cộng?", GROUP, reply_to=first)
    third = _exchange(api, OFFICIAL, "/hoi Ai là Phó Giám đốc Công an tỉnh Bạc Liêu?", GROUP)
    assert "992" in second["text"] and "Lê Thanh Hùng" in third["text"]
    api.quiet(1.0)
    assert len(api.sent_to(GROUP)) == 3  # the unaddressed message got nothing
    api.mention(STRANGER, STRANGE_GROUP, QUESTION)  # a group nobody allowed
    assert "chưa được cấp quyền" in api.wait_messages(STRANGE_GROUP, 1)[0]["text"]


def test_follow_up_questions_use_the_chat_context(telegram):
    api, _ = telegram
    _exchange(api, 102, "Ai là Phó Giám đốc Công an tỉnh Bạc Liêu?")
    other = _exchange(api, 102, "còn Bình Dương thì sao?")["text"]
    assert "Hiểu câu hỏi là: Ai là Phó Giám đốc Công an tỉnh Bình Dương?" in other and "Phạm Quốc Dũng" in other
    _exchange(api, 102, QUESTION)
    follow_up = _exchange(api, 102, "năm 2023 tỉnh này xây mới những mô hình nào?")["text"]
    assert "Hiểu câu hỏi là: năm 2023 tỉnh Bình Dương xây mới" in follow_up
    assert "Điểm chữa cháy công cộng" in follow_up
    # Another user has no context: taken as typed.
    assert "Hiểu câu hỏi là" not in _exchange(api, 103, "còn Thái Bình thì sao?")["text"]


def test_rate_limit_answers_kindly(telegram):
    api, _ = telegram
    for _ in range(5):
        api.send_text(104, "Thái Bình có bao nhiêu điểm chữa cháy công cộng?")
    api.wait_messages(104, 5)
    api.quiet(1.0)
    limited = [r for r in api.sent_to(104) if "tối đa 4 câu mỗi phút" in r["text"]]
    assert len(limited) == 1 and len(api.sent_to(104)) == 5


def test_commands_for_everyone(telegram):
    api, _ = telegram
    replies = [_exchange(api, 105, command)["text"] for command in
               ("/start", "/help", "/moi", "/hoi", "/khong_co")]
    assert "9 bài viết" in replies[0]
    assert "9 bài viết" in replies[1] and "Bình Dương" in replies[1] and "2022-11-10" in replies[1]
    assert replies[2].startswith("<b>Các bài mới nhất:</b>") and replies[2].index("2024-04-24") < replies[2].index("2022")
    assert "/hoi Bình Dương" in replies[3] and "Lệnh không có" in replies[4]


def test_tinh_offers_provinces_summarizes_and_suggests(telegram):
    api, audit = telegram
    menu = _exchange(api, 109, "/tinh")
    buttons = {b["text"]: b["callback_data"] for row in menu["reply_markup"]["inline_keyboard"] for b in row}
    assert buttons["Thái Bình (4)"] == "t:Thái Bình" and "Bạc Liêu (1)" in buttons
    api.press(109, menu, buttons["Bạc Liêu (1)"])
    digest = api.wait_messages(109, 2)[1]
    assert digest["text"].startswith("<b>Bạc Liêu</b>") and "Châu Hưng" in digest["text"]
    assert "Bạc Liêu (nay thuộc Cà Mau)" in digest["text"]  # sources say what the province is now
    answer_id = _answer_id(digest)
    assert {c.doc_id for c in audit.citations(answer_id)} == {"001_891a798d6ddd07e4"}
    thai_binh = _exchange(api, 109, "/tinh Thái Bình")
    themes = {b["text"]: b["callback_data"] for row in thai_binh["reply_markup"]["inline_keyboard"] for b in row
              if b["callback_data"].startswith("t:")}
    assert themes and all(len(data.encode()) <= 64 for data in themes.values())
    label, data = next(iter(themes.items()))
    before = len(api.sent_to(109))
    api.press(109, thai_binh, data)  # a theme's button: the digest of that theme only
    themed = api.wait_messages(109, before + 1)[before]
    assert f"Chủ đề {label.rsplit(' (', 1)[0]}:" in themed["text"]
    assert "59" in _exchange(api, 109, "/tinh binh duong")["text"]
    assert "Không có bài viết nào về “Y tế”" in _exchange(api, 109, "/tinh Bạc Liêu y tế")["text"]
    assert "chưa có bài viết nào về Kon Tum (nay thuộc Quảng Ngãi)" in _exchange(api, 109, "/tinh Kon Tum")["text"]
    assert "Có phải bạn muốn tìm: Bình Dương" in _exchange(api, 109, "/tinh Binh Duogn")["text"]


def test_admin_commands_check_the_role(telegram):
    api, _ = telegram
    for command in ("/thongke", "/reindex"):
        assert "chỉ dành cho quản trị viên" in _exchange(api, 106, command)["text"]
    stats = _exchange(api, ADMIN, "/thongke")["text"]
    assert "9 bài từ 5 tệp" in stats and "Câu hỏi:" in stats
    notice = _exchange(api, ADMIN, "/reindex")
    api.wait_for(lambda: api.messages[notice["message_id"]].get("edited"))
    assert "Không có gì thay đổi" in api.messages[notice["message_id"]]["text"]


def test_an_error_is_reported_to_admins_and_the_user(telegram, caplog):
    api, _ = telegram
    api.fail_next["sendMessage"] = 1  # the answer's delivery fails once
    admin_before = len(api.sent_to(ADMIN))
    api.send_text(107, "Thái Bình có bao nhiêu điểm chữa cháy công cộng?")
    assert "có lỗi" in api.wait_messages(107, 1)[0]["text"]
    report = api.wait_messages(ADMIN, admin_before + 1)[-1]["text"]
    assert "Lỗi trong bot" in report and check_html(report) is None


def test_token_never_reaches_the_logs(telegram, caplog, capfd):
    api, _ = telegram
    configure_logging(logging.DEBUG, (TOKEN,))
    caplog.set_level(logging.DEBUG)
    assert "992" in _exchange(api, 108, "Thái Bình có bao nhiêu điểm chữa cháy công cộng?")["text"]
    logging.getLogger("telegram.ext").error("Request to %s failed", f"{api.base_url}{TOKEN}/getMe")
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/sendMessage timed out")
    except RuntimeError:
        logging.getLogger("bot.handlers").exception("Delivery failed")
    secret = TOKEN.split(":")[1]
    assert len(caplog.records) > 5 and "bot<token>" in caplog.text
    assert secret not in caplog.text and secret not in capfd.readouterr().err
    logging.getLogger().setLevel(logging.WARNING)

