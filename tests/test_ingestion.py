"""Parsing the seed articles: boilerplate out, articles split, metadata found, never guessed."""
from pathlib import Path

import pytest

from index.articles import parse_articles
from index.chunking import passages_for
from index.cleaning import clean_lines

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def articles(doc_id):
    return parse_articles(doc_id, (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8"))


def test_file_with_several_newspaper_articles_is_split():
    found = articles("000_f341a22eafc8bfc0")
    assert [a.number for a in found] == [1, 2, 3, 4, 5]
    assert found[0].title == "Hội nghị trực tuyến về đẩy mạnh ngoại giao kinh tế năm 2024"
    assert found[3].title.startswith("TIỀN HẢI Quy hoạch")
    assert found[4].title == "“Dân vận khéo” góp phần bảo đảm an ninh trật tự"
    assert [a.author for a in found] == ["Minh Hương", None, None, "Trần Tuấn", "Minh Hương"]
    assert all(a.article_id == f"000_f341a22eafc8bfc0#{a.number}" for a in found)


def test_related_news_and_media_player_are_dropped():
    lines = clean_lines((CORPUS / "001_891a798d6ddd07e4.txt").read_text(encoding="utf-8"))
    text = "\n".join(lines)
    assert "0:00" not in text
    assert "Tin cùng chuyên mục" not in text and "Yên Bái" not in text
    assert text.count("hoàn thành xuất sắc cao điểm cấp CCCD") == 1  # the repeated caption


def test_page_break_inside_a_sentence_is_rejoined():
    text = "\n".join(clean_lines((CORPUS / "000_f341a22eafc8bfc0.txt").read_text(encoding="utf-8")))
    assert "Cơ chế phối hợp trong triển khai NGKT" in text


def test_block_repeated_three_times_is_indexed_once():
    passages = passages_for(articles("000_f341a22eafc8bfc0"))
    texts = [text for _, text, _ in passages]
    assert sum("Cơ chế phối hợp trong triển khai NGKT" in t for t in texts) == 1
    assert not any(t.startswith("hợp trong triển khai") for t in texts)


@pytest.mark.parametrize("doc_id, date, source, province", [
    ("001_891a798d6ddd07e4", None, "PLVN", "Bạc Liêu"),
    ("002_f9807e427c47bfdc", "2022-11-10", None, None),
    ("003_c4ad8019c1fcb4dd", "24/10", "Cadn.com.vn", "Ninh Bình"),
    ("004_0105c699471a6aab", "2024-04-24", None, "Bình Dương"),
])
def test_metadata_of_single_article_files(doc_id, date, source, province):
    (article,) = articles(doc_id)
    assert (article.date, article.source, article.primary_province) == (date, source, province)


def test_first_article_of_000_is_dated_from_chieu_ngay():
    assert articles("000_f341a22eafc8bfc0")[0].date == "2/4"


def test_title_with_header_date_is_clean():
    (article,) = articles("004_0105c699471a6aab")
    assert article.title == "5 mô hình 'Tự phòng, tự quản, tự bảo vệ, tự hòa giải' mới của Bình Dương"


def test_article_naming_no_province_is_not_guessed():
    (article,) = articles("002_f9807e427c47bfdc")
    assert article.primary_province is None and article.provinces == ()
    assert article.author == "Văn Tùng"


def test_person_named_like_a_district_is_not_a_province():
    """Regression: 'Ngô Đông Hải' tagged an article with Bạc Liêu (Đông Hải is one of its districts)."""
    assert "Bạc Liêu" not in articles("000_f341a22eafc8bfc0")[1].provinces


def test_photo_credits_and_related_story_links_inside_a_paragraph_are_dropped():
    """A news site's page as the crawler stores it: the lead, then a paragraph opening with the photo's caption
    and credit, whose next sentence repeats the lead, with a link to another story between two sentences."""
    raw = ("Thủ tướng Ireland Enda Kenny từ chức sau 6 năm cầm quyền 14/06/2017\n\n"
           "Thủ tướng Ireland Enda Kenny ngày 13/6 đã chính thức thông báo quyết định từ chức.\n"
           "Thủ tướng Ireland Enda Kenny. (Nguồn: independent.ie) Thủ tướng Ireland Enda Kenny ngày 13/6 đã chính "
           "thức thông báo quyết định từ chức. Ông thừa nhận chính sách của mình không hoàn toàn đúng. "
           "[Thủ tướng Ireland quan ngại về liên minh đảng Bảo thủ và đảng DUP] Trước đó, hồi tháng 5, ông Kenny đã "
           "rút khỏi vị trí thủ lĩnh đảng. Đám đông chờ ông ở Dublin (Ảnh: AP) Tên lửa [không phải loại ICBM-ND] "
           "đã được phóng. Hàng nghìn người dự lễ. Ảnh: Reuters. Lễ kéo dài hai giờ. Ảnh: Nguyễn Dân/TTXVN Khách "
           "về lúc 9 giờ. Nguồn: Bộ Ngoại giao Ireland cho biết ông sẽ ở lại Quốc hội. Quỹ (nguồn vốn của Nhà "
           "nước) chi 5 triệu euro. Trời mưa to. Ảnh minh họa Buổi lễ vẫn diễn ra.\n")
    (article,) = parse_articles("news_1", raw)
    texts = [text for _, text, _ in passages_for([article])]
    assert not any("Ảnh" in t or "independent.ie" in t or "quan ngại về liên minh" in t for t in texts)
    assert sum("ngày 13/6 đã chính thức thông báo" in t for t in texts) == 1  # the body's repeat of the lead
    assert "Trước đó, hồi tháng 5, ông Kenny đã rút khỏi vị trí thủ lĩnh đảng." in texts
    assert "Đám đông chờ ông ở Dublin." in texts  # the caption the credit ended
    assert "Tên lửa [không phải loại ICBM-ND] đã được phóng." in texts  # an editor's aside is the text's own
    assert "Lễ kéo dài hai giờ." in texts and "Khách về lúc 9 giờ." in texts
    assert "Nguồn: Bộ Ngoại giao Ireland cho biết ông sẽ ở lại Quốc hội." in texts  # a sentence, not a credit
    assert "Quỹ (nguồn vốn của Nhà nước) chi 5 triệu euro." in texts
    assert "Buổi lễ vẫn diễn ra." in texts  # after a caption's bare label
