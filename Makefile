# Two commands do everything on a fresh machine:  `make lab`  opens the course, `make test` passes the tests.
# Both create the virtual environment in .venv and install the project into it first, if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install lab test export-check nbdev-test pytest bench readme clean-nbs

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fastbook_answers)" >/dev/null
	@touch $(STAMP)

## Open the course in JupyterLab, on nbs/
lab: $(STAMP)
	$(BIN)/jupyter lab nbs/

## The whole test suite: library in sync with the notebooks, every notebook in-process (nbdev-test), then pytest
test: $(STAMP) export-check nbdev-test pytest

export-check: $(STAMP)
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "export-check compares the library with git: run make test inside a git checkout"; exit 1; }
	$(BIN)/nbdev-export
	$(BIN)/python -m fastbook_answers.quiz --build
	@if [ -n "$$(git status --porcelain -- fastbook_answers 2>/dev/null)" ]; then \
	  echo "nbdev-export or the quiz-bank build changed fastbook_answers/: the library is out of sync with the notebooks; commit it"; \
	  git status --porcelain -- fastbook_answers; exit 1; fi
	$(BIN)/python tools/make_readme.py --check

nbdev-test: $(STAMP)
	FASTBOOK_ANSWERS_SOURCE=offline PYTHONPATH=tests/netguard MPLBACKEND=Agg $(BIN)/nbdev-test --n-workers 1

pytest: $(STAMP)
	$(BIN)/python -m pytest

## Time every notebook in a real kernel (median of 3) and write benchmarks/RESULTS.md
bench: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

## Regenerate README.md from nbs/index.ipynb
readme: $(STAMP)
	$(BIN)/python tools/make_readme.py

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean
