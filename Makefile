# make run  — set up, index corpus/, start the bot (or the terminal chat without a token)
# make test — set up, run the test suite
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup index run test bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	# The CPU build of torch first: otherwise sentence-transformers pulls a multi-GB CUDA build.
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e '.[test]'
	# Debian's Chromium for the evaluation report's browser test (playwright drives it; it downloads nothing).
	command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| { echo "Could not install chromium (apt-get needs root): install Debian's chromium package, then make again"; exit 1; }
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/hoidap index

run: index
	@if [ -n "$$HOIDAP_TELEGRAM_TOKEN" ] || grep -qs '^HOIDAP_TELEGRAM_TOKEN=.' .env; then \
		$(VENV)/bin/hoidap bot; else $(VENV)/bin/hoidap chat; fi

test: setup
	$(PYTHON) -m pytest

bench: setup
	$(PYTHON) bench/run.py
	$(PYTHON) bench/bot_load.py

clean:
	rm -rf data .pytest_cache
