"""Synthetic corpora for scale runs: articles recombined from the seed corpus with other provinces,
dates and figures. Deterministic for a given seed; never used by tests of answer quality.

    .venv/bin/python bench/synthetic.py OUT_DIR --articles 1000 [--seed 7]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.articles import parse_articles  # noqa: E402
from index.gazetteer import default_gazetteer  # noqa: E402
from index.reading import read_source  # noqa: E402

_NUMBER = re.compile(r"(?<![\d/.,])\d{2,5}(?![\d/])")


def _seed_paragraphs() -> tuple[list[str], list[str]]:
    titles, paragraphs = [], []
    for path in sorted((REPO / "corpus").iterdir()):
        for article in parse_articles(path.stem, read_source(path, 50_000_000).text):
            titles.append(article.title)
            paragraphs += [p for p in article.paragraphs if len(p) > 80]
    return titles, paragraphs


def generate(out_dir: Path, count: int, seed: int = 7) -> list[Path]:
    """Write `count` articles into out_dir as syn_00001.txt …; returns their paths."""
    rng = random.Random(seed)
    titles, paragraphs = _seed_paragraphs()
    provinces = default_gazetteer().names
    seed_names = [p for p in provinces if any(p in text for text in paragraphs[:200])]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, count + 1):
        province = rng.choice(provinces)

        def localize(text: str) -> str:
            for name in seed_names:
                text = text.replace(name, province)
            return _NUMBER.sub(lambda m: str(rng.randint(2, 5000)), text)

        body = [localize(p) for p in rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(5, 12)))]
        date = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2025)}"
        title = localize(rng.choice(titles))
        path = out_dir / f"syn_{n:05d}.txt"
        path.write_text(f"{title} ({province} #{n})\n{date} 08:00\n" + "\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = generate(Path(args.out_dir), args.articles, args.seed)
    print(f"Wrote {len(paths)} articles to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
