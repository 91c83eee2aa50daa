"""Glossary, gazetteer and question analysis."""
import pytest

from index.gazetteer import default_gazetteer
from index.glossary import default_glossary, parse_glossary
from index.question import analyse, document_numbers, person_names, proper_noun_runs


def test_glossary_matches_both_ways():
    glossary = default_glossary()
    assert "§pccc" in glossary.concepts("tổ liên gia an toàn PCCC")
    assert "§pccc" in glossary.concepts("phòng cháy, chữa cháy")
    assert "§antt" in glossary.concepts("phuong 1 antt")


def test_two_letter_abbreviations_need_capitals():
    glossary = default_glossary()
    assert "§ca" in glossary.concepts("CA tỉnh Ninh Bình")
    assert "§ca" not in glossary.concepts("ca sĩ hát")


def test_broken_glossary_line_is_named():
    with pytest.raises(ValueError, match="line 2"):
        parse_glossary(["ANTT\tan ninh trật tự", "PCCC phòng cháy"])


def test_gazetteer_counts_and_mergers():
    gazetteer = default_gazetteer()
    assert len(gazetteer.provinces) == 63
    assert len(gazetteer.new_provinces) == 34
    formers = [p for members in gazetteer.new_provinces.values() for p in members]
    assert sorted(formers) == sorted(gazetteer.names)  # every old province in exactly one new one


@pytest.mark.parametrize("question, expected", [
    ("ha noi co bao nhieu", ["Hà Nội"]),
    ("Tình hình ở TP.HCM", ["TP Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"]),
    ("Cà Mau có gì mới", ["Cà Mau", "Bạc Liêu"]),
    ("Bạc Liêu", ["Bạc Liêu"]),
])
def test_provinces_in_questions(question, expected):
    assert default_gazetteer().in_question(question) == expected


@pytest.mark.parametrize("question, expected", [
    ("Hiện TP Đà Lạt có bao nhiêu ô tô?", ["Lâm Đồng"]),   # a city, after its administrative word
    ("Công an huyện Thạch Hà (Hà Tĩnh) bắt ai?", ["Hà Tĩnh"]),  # named twice, counted once
    ("Xạ thủ Hoàng Xuân Vinh giành huy chương gì?", []),   # a person's name, not the city of Vinh
    ("ha noi co bao nhieu", ["Hà Nội"]),
])
def test_provinces_a_question_is_about(question, expected):
    assert default_gazetteer().asked_provinces(question) == expected


def test_person_names_stop_at_punctuation_and_abbreviations():
    assert person_names("Đại tá Lê Thanh Hùng, PGĐ Công an tỉnh") == ["Lê Thanh Hùng"]
    assert person_names("Giám đốc Công an tỉnh Bình Dương, Bộ Công an") == []


@pytest.mark.parametrize("question, kind, unit", [
    ("Thái Bình có bao nhiêu điểm chữa cháy công cộng?", "number", ("diem", "chua", "chay")),
    ("ninh binh co bao nhieu bi thu chi bo", "number", ("bi", "thu", "chi")),
    ("Ai là Chủ tịch UBND thị trấn Châu Hưng?", "person", ()),
    ("BCĐ 138 tổ chức hội nghị vào ngày nào?", "date", ()),
    ("tien hai quy hoach dat tai xa nao", "place", ()),
    # With diacritics, "máy" (machine) and "may" (sewing, luck) are not "mấy" (how many); without them, "may" is.
    ("Nhà máy may Vinatex thực hiện bao nhiêu tiêu chí?", "number", ("tieu", "chi")),
    ("Trong tiêu đề của bài viết, cỗ máy hy vọng kết thúc điều gì?", "other", ()),
    ("Có mấy xã đạt chuẩn?", "number", ("xa", "dat", "chuan")),
    ("co may xa dat chuan", "number", ("xa", "dat", "chuan")),
    # "Ai Cập" (Egypt) and "Ai Len" (Ireland) are names, not "ai" (who); "ai cấp" is "who issues".
    ("Kim ngạch xuất khẩu sang Ai Cập đạt bao nhiêu USD?", "number", ("usd",)),
    ("xuất khẩu sang ai cập đạt bao nhiêu USD?", "number", ("usd",)),
    ("Doanh nghiệp Ai Len nào đầu tư vào Bình Dương?", "other", ()),
    ("Ai cấp giấy phép xây dựng?", "person", ()),
    ("ai cap giay phep xay dung", "person", ()),
])
def test_question_kind_and_unit(question, kind, unit):
    parsed = analyse(question, default_glossary(), default_gazetteer())
    assert (parsed.kind, parsed.unit) == (kind, unit)


def test_an_office_that_only_owns_something_is_not_the_one_asked_about():
    parsed = analyse("Tổ công tác của Thủ tướng kiểm tra Tập đoàn Dệt may ngày 20/6 do ai dẫn đầu?", default_glossary(),
                     default_gazetteer())
    assert (parsed.kind, parsed.role) == ("person", ())
    assert analyse("Chủ tịch của IPCC là ai?", default_glossary(), default_gazetteer()).role == ("chu", "tich")


def test_deputy_is_a_different_office():
    parsed = analyse("Ai là Phó Giám đốc Công an tỉnh?", default_glossary(), default_gazetteer())
    assert parsed.role == ("giam", "doc") and parsed.deputy


@pytest.mark.parametrize("sentence, fit", [
    ("Tổng thống Moon Jae-in đã chọn bà Kang Kyung-wha làm Bộ trưởng Ngoại giao.", 0.5),  # a foreign name, the office
    ("Tổng thống Moon Jae-in chỉ định ông Song Young-moo, một Đô đốc hải quân đã nghỉ hưu, làm Bộ trưởng Quốc phòng.",
     0.0),  # another office
    ("Ông Nguyễn Văn Bình được bổ nhiệm làm Bộ trưởng Ngoại giao.", 1.0),  # a Vietnamese full name, the office
    ("Tổng thống Moon Jae-in phát biểu tại Seoul.", 0.0),  # no one new
])
def test_a_person_answers_for_an_office_only_beside_it_foreign_names_too(sentence, fit):
    from index.answering import type_fit

    question = analyse("Tổng thống Hàn Quốc Moon Jae-in đã chọn ai làm Bộ trưởng Ngoại giao?", default_glossary(),
                       default_gazetteer())
    assert type_fit(question, sentence) == fit


@pytest.mark.parametrize("question", ["Ai là Giám đốc Công an tỉnh Bình Dương?", "ai la giam doc cong an tinh binh duong"])
def test_the_place_of_an_office_is_not_a_person_beside_it(question):
    from index.answering import type_fit

    parsed = analyse(question, default_glossary(), default_gazetteer())
    assert type_fit(parsed, "Giám đốc Công an tỉnh Bình Dương chỉ đạo các đơn vị tăng cường tuần tra.") == 0.0
    assert type_fit(parsed, "Đại tá Trần Văn Chính, Giám đốc Công an tỉnh Bình Dương chỉ đạo các đơn vị.") == 1.0


@pytest.mark.parametrize("question, sentence, fit", [
    ("U20 Việt Nam thua U20 Pháp với tỉ số bao nhiêu?", "U20 Việt Nam thua U20 Pháp 0-4 ở bảng E.", 1.0),
    ("u20 new zealand thang u20 honduras voi ty so bao nhieu", "New Zealand thắng Honduras 3 - 1.", 1.0),
    ("U20 Việt Nam thua U20 Pháp với tỉ số bao nhiêu?", "U20 Việt Nam thua U20 Pháp hôm 25/5.", 0.0),  # a date
    ("Brazil thắng Australia 4-0 với tỉ số bao nhiêu?", "Brazil thắng Australia 4-0.", 0.0),  # the question's own
])
def test_a_score_answers_how_many_goals(question, sentence, fit):
    # Read as a count, "0-4" is a day and a month.
    from index.answering import type_fit

    assert type_fit(analyse(question, default_glossary(), default_gazetteer()), sentence) == fit


def test_an_office_in_the_list_after_a_name_is_that_persons():
    from index.answering import type_fit

    question = analyse("Ai là Bí thư Tỉnh ủy Thái Bình?", default_glossary(), default_gazetteer())
    appositive = ("Kết luận hội nghị, đồng chí Ngô Đông Hải, Ủy viên Ban Chấp hành Trung ương Đảng, Bí thư Tỉnh ủy "
                  "nhấn mạnh: Tình hình kinh tế - xã hội quý I tuy có những điểm sáng.")
    assert type_fit(question, appositive) == 1.0
    # A semicolon starts another person: the office after it is not the first one's.
    listed = "Dự hội nghị có các đồng chí: Nguyễn Khắc Thân, Ủy viên Ban Thường vụ; Tỉnh ủy viên, Bí thư Tỉnh ủy."
    assert type_fit(question, listed) == 0.0


@pytest.mark.parametrize("question, sentence, fit", [
    ("Hội nghị diễn ra khi nào?", "Hội nghị diễn ra ngày 24/4.", 1.0),
    ("Hội nghị diễn ra khi nào?", "Hội nghị diễn ra vào năm 1988.", 0.5),  # a year answers "khi nào" in part
    ("Hội nghị diễn ra vào năm nào?", "Hội nghị diễn ra vào năm 1988.", 1.0),
    ("Hội nghị năm 1988 diễn ra khi nào?", "Hội nghị năm 1988 diễn ra ở Hà Nội.", 0.0),  # the asked year is not new
    # A year of history, with or without "năm": not only the 19xx and 20xx of news.
    ("Carl Wilhelm Scheele phát hiện ra oxi vào năm nào?", "Scheele đã tạo ra khí oxi vào 1773.", 1.0),
    ("Lần bùng phát dịch hạch cuối cùng là khi nào?", "Đợt bùng phát cuối cùng ở Oslo vào năm 1654.", 0.5),
    ("Thành Cổ Loa được xây năm nào?", "Thành được xây vào năm 257 trước Công nguyên.", 1.0),
    ("Có bao nhiêu người tham gia khi nào?", "Có 1.345.596 người tham gia.", 0.0),  # a count, not a year
])
def test_a_date_question_is_answered_by_a_day_or_a_year(question, sentence, fit):
    from index.answering import type_fit

    assert type_fit(analyse(question, default_glossary(), default_gazetteer()), sentence) == fit



def test_a_per_cent_sign_answers_bao_nhieu_phan_tram():
    from index.answering import type_fit

    question = analyse("Bao nhiêu phần trăm hộ gia đình ký cam kết?", default_glossary(), default_gazetteer())
    assert type_fit(question, "Có 90% hộ gia đình ký cam kết thực hiện 3 an toàn.") == 1.0
    assert type_fit(question, "Có 234 cơ quan ký cam kết thực hiện 3 an toàn.") == 0.4  # a number, not a share


def test_a_unit_written_against_its_figure_answers_bao_nhieu():
    from index.answering import type_fit

    question = analyse("Đoạn sông Tô Lịch chảy qua huyện Thanh Trì dài bao nhiêu km?", default_glossary(),
                       default_gazetteer())
    assert type_fit(question, "Đoạn sông Tô Lịch qua huyện Thanh Trì dài khoảng 10km.") == 1.0
    assert type_fit(question, "Đoạn sông qua huyện có 5ha đất bãi.") == 0.4  # a figure, not in km


def test_the_date_a_question_names_is_not_an_answer_however_it_is_written():
    from index.answering import type_fit

    question = analyse("Vụ tai nạn ngày 27/5 được đưa ra xét xử vào ngày nào?", default_glossary(), default_gazetteer())
    assert type_fit(question, "Vụ tai nạn xảy ra hôm 27-5 trên cao tốc.") == 0.0
    assert type_fit(question, "Vụ tai nạn xảy ra ngày 27 tháng 5 trên cao tốc.") == 0.0
    assert type_fit(question, "Phiên tòa mở ngày 12/7.") == 1.0


def test_a_foreign_name_of_one_word_is_some_evidence_of_a_person():
    from index.answering import type_fit
    from index.question import single_names

    assert single_names("Ở lượt chơi tiếp theo, Miller đã tước bóng từ Newton.") == ["miller", "newton"]
    assert single_names("Thủ tướng Phạm Minh Chính chủ trì. Sau đó Bộ Công an báo cáo.") == []  # runs, offices
    question = analyse("Ai đã tước bóng từ Newton?", default_glossary(), default_gazetteer())
    assert type_fit(question, "Ở lượt chơi tiếp theo, Miller đã tước bóng từ Newton.") == 0.5
    assert type_fit(question, "Quả bóng bật ra từ tay Newton.") == 0.0  # the name the question says


def test_person_names_leave_out_an_honorific_and_an_office_after_the_name():
    # A question's first word is capitalised whatever it is: "Vị" (a surname too) before "Bí thư" is no name.
    assert person_names("Vị Bí thư Thành ủy TP.HCM là ai?") == []
    assert person_names("Tổng Giám đốc của Broncos là ai?") == []
    assert person_names("Ông Nguyễn Văn Để bắn chết anh Kiệt") == ["Nguyễn Văn Để"]
    assert person_names("ông Nguyễn Khắc Thân Bí thư Tỉnh ủy") == ["Nguyễn Khắc Thân"]
    # A given name that is also an institution word ("Phong", as in "phong trào") stays in the name.
    assert person_names("ông Lê Quốc Phong phát biểu") == ["Lê Quốc Phong"]


@pytest.mark.parametrize("text, runs", [
    # A two-word place whose syllable is also an office or institution word is named by both words.
    ("Ai là Giám đốc Công an tỉnh Ninh Bình?", ["ninh binh"]),
    ("Giá heo hơi ở Đồng Nai tăng", ["dong nai"]),
    # A longer run keeps what is left without those words when two or more remain, else nothing ("nam").
    ("vùng Tây Nguyên và duyên hải Nam Trung Bộ", ["tay nguyen"]),
    ("trụ sở Bộ Công an", []),
])
def test_proper_noun_runs(text, runs):
    assert proper_noun_runs(text) == runs


def test_a_province_written_as_an_acronym_is_not_a_name_the_article_must_repeat():
    # Articles write "Thành phố Hồ Chí Minh" as often as "TP.HCM"; an unknown acronym stays a name.
    parsed = analyse("Ai được UBND TP.HCM bổ nhiệm làm Giám đốc Sở Y tế?", default_glossary(), default_gazetteer())
    assert "hcm" not in parsed.names
    parsed = analyse("PVEP khai thác dầu ở mỏ nào?", default_glossary(), default_gazetteer())
    assert "pvep" in parsed.names


@pytest.mark.parametrize("text, numbers", [
    ("Kế hoạch số 111-KH/TU của Ban Thường vụ Tỉnh ủy", ["111 kh tu"]),
    ("Quyết định số 1938/QĐ-BCT và Nghị định 100/2019/NĐ-CP", ["1938 qd bct", "100 2019 nd cp"]),
    # Dates, scores, plates and names with a number are not documents.
    ("ngày 30/6/2016, tỉ số 1-4, xe 29A-494.63, dịch Covid-19", []),
])
def test_document_numbers(text, numbers):
    assert document_numbers(text) == numbers


def test_a_document_number_is_a_name_the_answering_article_must_repeat():
    # "Kế hoạch số 36/KH-UBND" does not answer when "Kế hoạch số 111-KH/TU" was issued: the number names the plan.
    parsed = analyse("Kế hoạch số 111-KH/TU được ban hành ngày nào?", default_glossary(), default_gazetteer())
    assert "111 kh tu" in parsed.names
