from index.text import fold_diacritics, folded_words, normalize, split_sentences


def test_fold_diacritics_keeps_case_and_maps_d():
    assert fold_diacritics("Đắk Lắk, Thái Bình") == "Dak Lak, Thai Binh"


def test_folded_words_are_lowercase_syllables():
    assert folded_words("Thị trấn Châu Hưng đạt 32/34") == ["thi", "tran", "chau", "hung", "dat", "32", "34"]


def test_normalize_composes_and_strips_bom():
    decomposed = "\ufeffTha\u0301i  Bi\u0300nh\r\n"
    assert normalize(decomposed) == "Thái Bình\n"


def test_split_sentences_before_vietnamese_capital_letter():
    """Regression: a sentence starting with 'Đ' (outside A-Z) was glued to the previous one."""
    assert split_sentences("giúp đỡ nhân dân... Đến hết tháng 2/2024, có 5 người.") == [
        "giúp đỡ nhân dân...", "Đến hết tháng 2/2024, có 5 người."]


def test_split_sentences_keeps_abbreviations_and_numbers():
    text = "TP. Hồ Chí Minh có 5.000 hộ. Ông A nói: “Tốt lắm.” Sau đó 2.200 người đến!"
    assert split_sentences(text) == ["TP. Hồ Chí Minh có 5.000 hộ.", "Ông A nói: “Tốt lắm.”", "Sau đó 2.200 người đến!"]


def test_split_sentences_ignores_lowercase_after_period():
    assert split_sentences("Có 5 người. bình thường.") == ["Có 5 người. bình thường."]


def test_characters_outside_the_folding_table_fold_the_same_every_time():
    # Greek with a tonos folds to its base letter; a dash, quotes and CJK fold to themselves: the first time
    # (the general way) and after (learnt into the table) alike.
    text = "Hội nghị – “ά” 東京"
    assert fold_diacritics(text) == "Hoi nghi – “α” 東京"
    assert fold_diacritics(text) == "Hoi nghi – “α” 東京"
