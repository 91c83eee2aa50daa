"""Province digests on a mixed corpus: only sentences about the province, themes, dates, topics."""
from __future__ import annotations

import re

import pytest

from conftest import make_settings
from index import Engine
from index.gazetteer import default_gazetteer
from index.summary import split_request
from index.text import fold_diacritics
from index.themes import default_themes

ARTICLES = {
    "dn_antt": ("Công an TP Đà Nẵng triệt phá đường dây ma túy 12/05/2017",
                "Ngày 10/5, Công an TP Đà Nẵng bắt giữ 7 đối tượng mua bán ma túy tại quận Hải Châu.\n"
                "Các đối tượng khai nhận đã vận chuyển trái phép 2,5 kg ma túy tổng hợp.\n"
                "Vụ án đang được cơ quan điều tra làm rõ."),
    "dn_tngt": ("Tai nạn giao thông trên quốc lộ 1A qua Đà Nẵng 20/06/2017",
                "Sáng 19/6, xe tải tông vào xe máy trên quốc lộ 1A đoạn qua huyện Hòa Vang.\n"
                "Vụ tai nạn giao thông làm 2 người tử vong tại chỗ.\n"
                "Cảnh sát giao thông đã có mặt phân luồng."),
    "dn_kt": ("Đà Nẵng thu hút đầu tư vào khu công nghiệp 03/07/2017",
              "Trong 6 tháng đầu năm, Đà Nẵng thu hút 45 dự án đầu tư với tổng vốn 1.200 tỷ đồng.\n"
              "Nhiều doanh nghiệp xuất khẩu tăng trưởng mạnh.\n"
              "Cùng kỳ, tỉnh Quảng Ngãi thu hút 38 dự án đầu tư.\n"
              "Theo ông Nguyễn Văn A, Giám đốc Sở Kế hoạch và Đầu tư Đà Nẵng cho biết thành phố tiếp tục cải thiện "
              "môi trường kinh doanh."),
    # Filed under Quảng Ngãi: it lends only its sentence naming Đà Nẵng, never its figures about Quảng Ngãi.
    "qn_le_hoi": ("Lễ hội văn hóa người Cor ở Quảng Ngãi 15/04/2017",
                  "Tỉnh Quảng Ngãi tổ chức lễ hội văn hóa người Cor với 3.000 người tham gia.\n"
                  "Huyện Trà Bồng của Quảng Ngãi có 12 làng nghề truyền thống.\n"
                  "Đoàn nghệ nhân từ Đà Nẵng cũng đến biểu diễn tại lễ hội.\n"
                  "Tỉnh Quảng Ngãi đón hơn 15.000 lượt du khách trong dịp lễ."),
}


@pytest.fixture(scope="module")
def mixed_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("mixed")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc_id, (title, body) in ARTICLES.items():
        (corpus / f"{doc_id}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    engine = Engine(make_settings(root, corpus, embedding_backend="hashing"))
    engine.build()
    return engine


def _names_province(text: str, names: list[str]) -> bool:
    plain = " " + " ".join(re.findall(r"\w+", fold_diacritics(text).lower())) + " "
    return any(f" {n} " in plain for n in names)


def test_every_citation_is_about_the_province_and_themes_are_counted(mixed_engine):
    digest = mixed_engine.summarize("Đà Nẵng")
    assert digest.found and digest.articles == 3
    names = ["da nang", "quang nam"]  # the post-2025 TP Đà Nẵng took in Quảng Nam
    assert digest.citations and all(_names_province(c.quote, names) or _names_province(c.title, names)
                                    for c in digest.citations)
    assert "15.000" not in digest.summary and "12 làng nghề" not in digest.summary  # filed elsewhere
    assert "38 dự án" not in digest.summary  # under a title naming Đà Nẵng, but about another province
    assert {t.key for t in digest.themes} == {"antt", "tngt", "kt"}
    lines = digest.summary.splitlines()
    assert "từ 12/05/2017 đến 03/07/2017" in lines[0]
    assert any(line.startswith("• An ninh trật tự (1 bài) — 12/05/2017, Hải Châu:") for line in lines)
    assert any(line.startswith("• Tai nạn giao thông (1 bài) — 20/06/2017, Hòa Vang:") for line in lines)
    latest = next(line for line in lines if line.startswith("Mới nhất:"))
    assert latest.index("03/07/2017") < latest.index("20/06/2017") < latest.index("12/05/2017")
    assert all(re.search(r"\[\d+\]$", line) for line in lines) and len(digest.summary) <= 1500


def test_a_theme_or_keywords_narrow_the_digest(mixed_engine):
    themed = mixed_engine.summarize("Đà Nẵng", "tai nan giao thong")
    assert themed.found and themed.articles == 1 and themed.topic == "Tai nạn giao thông"
    assert {c.doc_id for c in themed.citations} == {"dn_tngt"} and themed.summary.startswith("Chủ đề Tai nạn")
    worded = mixed_engine.summarize("Đà Nẵng", "ma tuy")
    assert worded.found and {c.doc_id for c in worded.citations} == {"dn_antt"} and worded.topic == "ma tuy"
    missing = mixed_engine.summarize("Đà Nẵng", "y tế")
    assert not missing.found and "“Y tế”" in missing.summary and "Đà Nẵng" in missing.summary


def test_a_request_splits_into_province_and_topic():
    gazetteer = default_gazetteer()
    assert split_request("Đà Nẵng an ninh", gazetteer) == ("Đà Nẵng", "an ninh")
    assert split_request("tỉnh Bạc Liêu, tai nạn giao thông", gazetteer) == ("Bạc Liêu", "tai nạn giao thông")
    assert split_request("binh duong", gazetteer) == ("binh duong", None)
    assert split_request("Binh Duogn", gazetteer) == ("Binh Duogn", None)  # misspelled: the digest suggests


def test_themes_are_named_once_and_found_without_accents():
    lexicon = default_themes()
    assert len({t.key for t in lexicon.themes}) == len(lexicon.themes)
    assert all(len(t.key.encode()) <= 8 and t.key.isascii() for t in lexicon.themes)
    assert lexicon.find("an ninh")[0].key == "antt" and lexicon.find("giao duc dai hoc") == (lexicon.by_key("gd"),
                                                                                            "dai hoc")
    assert lexicon.find("bong da") == (None, "bong da")
    assert lexicon.classify("Xe khách lật trên cao tốc", "Vụ tai nạn giao thông làm 3 người bị thương.").key == "tngt"
    assert lexicon.classify("Khai mạc", "Chương trình diễn ra tối qua.") is None  # too little to say
