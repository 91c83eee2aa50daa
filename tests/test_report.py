"""The evaluators' HTML report, made by `hoidap eval --html` with the real engine on the seed corpus: parsed for
what it holds, then opened in headless Chromium (Debian's package, installed by `make setup`) offline."""
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import DEV_GOLD, SUMMARY_GOLD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Questions crafted to fail, one of each kind of failure.
FAILING = [
    {"id": "F-wrong", "kind": "factoid", "question": "Ai là Chủ tịch UBND thị trấn Châu Hưng?",
     "answer_facts": [["Nguyễn Văn Không"]], "source_docs": ["001_891a798d6ddd07e4"]},
    {"id": "F-answered", "kind": "unanswerable", "question": "Ai là Chủ tịch UBND thị trấn Châu Hưng?",
     "answer_facts": [], "source_docs": []},
    {"id": "F-refused", "kind": "factoid", "question": "Giá vàng SJC hôm nay là bao nhiêu?",
     "answer_facts": [["70 triệu"]], "source_docs": ["001_891a798d6ddd07e4"]},
]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.tags: list[str] = []
        self.failure_ids: list[str] = []
        self.flip_ids: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "xlink:href", "data"):
            value = attrs.get(name) or ""
            if value and not value.startswith("#"):
                self.external.append(f"{tag} {name}={value}")
        if tag == "link" or (tag == "script" and "src" in attrs):
            self.external.append(tag)
        if tag == "tr" and "failure" in (attrs.get("class") or ""):
            self.failure_ids.append(attrs["data-id"])
        if tag == "tr" and "flip" in (attrs.get("class") or ""):
            self.flip_ids.append(attrs["data-id"])
        self.marks += tag == "mark"


@pytest.fixture(scope="module")
def report(tmp_path_factory, seed_engine):
    root = tmp_path_factory.mktemp("report")
    failing = root / "failing.jsonl"
    failing.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in FAILING), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    mp.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    earlier = root / "earlier.jsonl"
    assert main(["eval", str(DEV_GOLD), str(failing), "--out", str(earlier)]) == 0
    # The earlier run, crafted: one question right now was wrong then, one wrong now was right then.
    rows = [json.loads(line) for line in earlier.read_text(encoding="utf-8").splitlines()]
    fixed_id = next(r["id"] for r in rows if r["correct"])
    flipped = [{**r, "correct": not r["correct"]} if r["id"] in (fixed_id, "F-wrong") else r for r in rows]
    earlier.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in flipped), encoding="utf-8")
    page = root / "report.html"
    assert main(["eval", str(DEV_GOLD), str(failing), str(SUMMARY_GOLD), "--html", str(page),
                 "--compare", str(earlier)]) == 0
    mp.undo()
    return page, fixed_id


def test_the_report_stands_alone_and_shows_every_failure(report):
    page, fixed_id = report
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.external == []  # no script, style, font or image from anywhere
    assert parsed.tags.count("svg") >= 3  # risk-coverage, accuracy per kind, latency
    assert set(parsed.failure_ids) == {"F-wrong", "F-answered", "F-refused"}
    assert set(parsed.flip_ids) == {fixed_id, "F-wrong"}
    text = page.read_text(encoding="utf-8")
    for section in ("id=\"metrics\"", "id=\"charts\"", "id=\"comparison\"", "id=\"failures\""):
        assert section in text
    assert re.search(r"<td>[01]\.\d*–[01]\.?\d*</td>", text)  # an interval shows as low–high, not a tuple
    # one question fixed and one broken: as likely as not by chance
    assert 'id="sign-test">Kiểm định dấu chính xác: p = 1.0 (có thể chỉ là ngẫu nhiên)' in text


def test_the_report_works_in_a_real_browser_offline(report):
    from playwright.sync_api import sync_playwright

    page_path, _ = report
    assert Path(CHROMIUM).exists(), "Chromium is missing: run make setup (it installs Debian's chromium)"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            for chart in ("risk", "accuracy", "latency"):
                box = page.locator(f"#chart-{chart} svg").bounding_box()
                assert box and box["width"] > 100 and box["height"] > 100, chart
            rows = page.locator("#failure-table tbody tr")
            assert rows.count() == 3
            page.select_option("#group-filter", "refused")
            assert page.locator("#failure-table tbody tr:visible").count() == 1
            assert page.locator("#shown-count").inner_text() == "1"
            page.select_option("#group-filter", "")
            page.fill("#text-filter", "F-answered")
            assert page.locator("#failure-table tbody tr:visible").count() == 1
            page.fill("#text-filter", "")
            page.click("#sort-confidence")
            assert page.locator("#failure-table tbody tr:visible").count() == 3
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests)
