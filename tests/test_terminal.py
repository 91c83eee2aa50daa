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


def test_chat_has_the_bot_commands_and_follow_ups(seed_engine):
    lines = iter(["/help", "/tinh binh duong", "/moi", "Bình Dương có bao nhiêu mô hình tự quản về ANTT?",
                  "Ai là Phó Giám đốc Công an tỉnh Bạc Liêu?", "còn Bình Dương thì sao?", "/hoi", "/xyz", "/thoat"])
    out = io.StringIO()
    chat(seed_engine, read=lambda prompt: next(lines), out=out)
    text = out.getvalue()
    assert "9 bài viết" in text and "1 bài viết về Bình Dương" in text and "59 mô hình" in text
    assert "Các bài mới nhất:" in text
    assert "Hiểu câu hỏi là: Ai là Phó Giám đốc Công an tỉnh Bình Dương?" in text and "Phạm Quốc Dũng" in text
    assert "/hoi Bình Dương" in text and "Lệnh không có" in text
    assert "<b>" not in text  # plain text, not Telegram HTML
