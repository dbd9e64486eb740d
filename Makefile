# Two commands for a newcomer: `make run` and `make test`. Both build on `make install`.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.install-stamp
DEBS    := chromium fonts-noto-cjk poppler-utils libsndfile1 haproxy
HOST    ?= 127.0.0.1
PORT    ?= 8000
# The demo's PBX secret for /media/stream (`hotline call simulate` sends it); a real deployment sets its own.
export HOTLINE_PBX_TOKENS ?= demo-pbx-token

.PHONY: install diarization run cluster test test-fast lint typecheck-all lock clean

install: $(STAMP)

# Re-installs only when the project's dependencies change, so a second run is quick. The exact versions come from
# requirements.lock (hashes checked); the project itself is then installed editable without resolving again.
$(STAMP): pyproject.toml requirements.lock scripts/install_debs.sh
	bash scripts/install_debs.sh $(DEBS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing pyproject.toml's dependencies: pin them again (base + dev, Python 3.11, Linux x86_64).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --annotation-style line -o requirements.lock

# Optional speaker diarization (pyannote-audio, torch): the tests need it, the product runs without it.
# CPU torch first so the extra's torch pin is already met (no CUDA build); PyPI has no CPU torchaudio, so its
# CUDA-linked native libraries are dropped and torchaudio takes its pure-Python path (docs/asr.md explains).
DIARIZATION_STAMP := $(VENV)/.diarization-stamp

diarization: $(DIARIZATION_STAMP)

$(DIARIZATION_STAMP): $(STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,diarization]'
	rm -f "$$($(BIN)/python -c 'import importlib.util as u; print(u.find_spec("torchaudio").submodule_search_locations[0])')"/lib/*.so
	$(BIN)/python -c "import torchaudio; from pyannote.audio import Pipeline"
	touch $(DIARIZATION_STAMP)

# Each step is a no-op when already done, so a second `make run` goes straight to serving. The classifier is
# trained before the demo history: the history's tickets take its topic where labelled.csv has none.
run: install
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo seed --if-empty
	test -e var/models/classifier || $(BIN)/hotline classifier train \
		|| echo "分类模型未训练（缺少训练数据，见 README）：控制台暂不显示话题和承办单位建议"
	$(BIN)/hotline analytics demo-history
	$(BIN)/hotline serve --demo-partners --host $(HOST) --port $(PORT)

# The city-scale shape on this machine: HAProxy, 3 app workers, 2 speech nodes, on the PostgreSQL and Redis
# named by HOTLINE_DATABASE_URL and HOTLINE_REDIS_URL (docs/scaling.md). Ctrl-C stops every process.
WORKERS      ?= 3
SPEECH_NODES ?= 2
CLUSTER_PORT ?= 8200

cluster: install
	$(BIN)/hotline cluster up --workers $(WORKERS) --speech-nodes $(SPEECH_NODES) --port $(CLUSTER_PORT)

# The whole suite, as CI runs it: SQLite and PostgreSQL, Redis, Chromium, the diarization extra.
test: install diarization
	$(MAKE) lint
	$(BIN)/python -m pytest

# The inner loop: no browser, SQLite only, no Redis, no separate app processes, no diarization; in parallel.
FAST := not browser and not postgres and not redis and not slow and not diarization
test-fast: install
	$(BIN)/python -m pytest -n auto -q -m "$(FAST)"

# Typing of pyproject.toml's [tool.mypy] files, strict on the pure modules; the rest: `make typecheck-all`.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole tree, relaxed (not strict), as a report: it does not fail while the findings are worked down.
typecheck-all: install
	-$(BIN)/mypy --config-file pyproject.toml $(shell ls -d hotline asr routing classifier agent_console knowledge \
		approvals_bridge analytics selfservice)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
