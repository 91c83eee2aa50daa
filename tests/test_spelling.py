from index.spelling import DiacriticRestorer, layered_restorer


def _restorer(texts: list[str], **settings) -> DiacriticRestorer:
    corpus = layered_restorer(texts)
    return DiacriticRestorer(corpus.corpus_spellings, corpus.corpus_syllables, **settings)


# "làm báo" (journalism) is the likelier pair on its own, "bao nhiêu" the likelier reading of the whole.
_NEWS = ["Anh ấy làm báo đã lâu.", "Chị làm báo ở Hà Nội.", "Họ làm báo điện tử.", "Ông làm báo từ năm 1990.",
         "Bão làm bao nhiêu người bị thương?", "Không ai biết bao nhiêu người đến.", "Có bao nhiêu người?",
         "Nhiều người bị thương.", "Rất nhiều người đến xem.", "Nhiều người ở lại."]


def test_the_question_is_read_whole_not_pair_by_pair_from_the_left():
    assert _restorer(_NEWS).restore("lam bao nhieu nguoi bi thuong") == "làm bao nhiêu người bị thương"


def test_syllables_the_corpus_never_writes_stay_as_typed():
    assert _restorer(_NEWS).restore("lam bao xyz") == "làm báo xyz"


def test_a_question_with_diacritics_is_left_as_written():
    assert _restorer(_NEWS).restore("Làm bao nhiêu?") == "Làm bao nhiêu?"


def test_question_words_rare_in_prose_are_restored_from_the_question_phrases():
    corpus = ["Ông Gi là giám đốc.", "Ông Gi đã ký."]  # the corpus writes "gi" only as a name
    assert _restorer(corpus).restore("ong gi la gi") == "ông gi là gì"  # "là gì": a question phrase
    assert _restorer(corpus, question_weight=0).restore("ong gi la gi") == "ông gi là gi"


def test_an_empty_question_restores_to_nothing():
    assert _restorer(_NEWS).restore("?!") == ""


def test_a_question_typed_with_some_marks_gets_the_rest_back():
    restorer = _restorer(_NEWS)
    assert restorer.restore("Bão làm bao nhieu nguoi bị thương?") == "bão làm bao nhiêu người bị thương"


def test_a_question_typed_with_care_stays_as_written_even_where_the_corpus_spells_otherwise():
    # The corpus writes "làm báo" four times and "làm bao" once: likelier, but not by the margin.
    assert _restorer(_NEWS).restore("Chị làm bao?") == "Chị làm bao?"
    assert _restorer(_NEWS, partial_margin=0).restore("Chị làm bao?") == "chị làm báo"
