"""The terminal chat reads questions and prints answers or messages until /thoat."""
import io

from bot.terminal import chat


def test_chat_answers_refuses_and_quits(seed_engine):
    questions = iter(["Bình Dương có bao nhiêu mô hình tự quản về ANTT?", "", "Giá vàng hôm nay?", "🙂", "/thoat", "never read"])
    out = io.StringIO()
    chat(seed_engine, read=lambda prompt: next(questions), out=out)
    text = out.getvalue()
    assert "59 mô hình" in text and "Nguồn:" in text
    assert "Không tìm thấy thông tin này trong kho tài liệu" in text
    assert "không có chữ" in text
    assert text.rstrip().endswith("Tạm biệt.")
