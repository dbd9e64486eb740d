# Two commands for a newcomer: `make run` and `make test`. Both build on `make install`.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.install-stamp
DEBS    := chromium fonts-noto-cjk poppler-utils libsndfile1
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: install run test lint debs clean

install: $(STAMP)

# Re-installs only when the project's dependencies change, so a second run is quick.
$(STAMP): pyproject.toml scripts/install_debs.sh
	bash scripts/install_debs.sh $(DEBS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo seed --if-empty
	$(BIN)/hotline serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
