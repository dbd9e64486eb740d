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

.PHONY: install diarization run cluster test lint clean

install: $(STAMP)

# Re-installs only when the project's dependencies change, so a second run is quick.
$(STAMP): pyproject.toml scripts/install_debs.sh
	bash scripts/install_debs.sh $(DEBS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

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

test: install diarization
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
