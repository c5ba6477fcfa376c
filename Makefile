# Two commands do everything on a fresh machine:  `make lab`  opens the course, `make test` passes the tests.
# Both create the virtual environment in .venv and install the project into it first, if needed: `make lab` what a
# learner needs (the package and JupyterLab), `make test` also the maintainers' tools (the `dev` extra).
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LAB_STAMP := $(VENV)/.lab-stamp
DEV_STAMP := $(VENV)/.dev-stamp
## The committed outputs, the tests, the benchmark and the seed runs all use one torch thread: the numbers they print are
## then the same on every run of this machine (`runner.compare_outputs` checks it against the outputs' fingerprint).
THREADS := OMP_NUM_THREADS=1
## The chapters, from the course's one registry (`fastbook_answers.course.CHAPTERS`), read when a recipe runs
empty :=
space := $(empty) $(empty)
CHAPTER_NBS = $(shell $(BIN)/python -c "from fastbook_answers.course import chapter_notebooks as c; print(' '.join('nbs/'+n for n in c()))")

.PHONY: install lab test export-check nbdev-test nbdev-test-library pytest repro bench seeds outputs readme clean-nbs site site-check
.PHONY: release-check gpu-check

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fastbook_answers)" >/dev/null
	@touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fastbook_answers)" >/dev/null
	@touch $@ $(LAB_STAMP)

install: $(DEV_STAMP)

## JupyterLab 4 renders long notebooks lazily (windowingMode "contentVisibility"), and a contents link to a far question
## then stops short of it; with windowing off, every `#qN` link of a chapter's contents reaches its question.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): $(LAB_STAMP)
	@mkdir -p $(dir $@)
	@echo '{"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}' > $@

## Open the course in JupyterLab, on nbs/ (as root too: a container or a cloud VM). LAB_PORT and LAB_IP choose where it listens.
LAB_PORT ?= 8888
LAB_IP   ?= localhost
lab: $(LAB_STAMP) $(LAB_SETTINGS)
	@echo "Starting JupyterLab on nbs/. Open the http://$(LAB_IP):$(LAB_PORT)/lab?token=... address it prints below in your browser (Ctrl-C twice stops it)."
	$(BIN)/jupyter lab nbs/ --ip=$(LAB_IP) --port=$(LAB_PORT) $(if $(filter 0,$(shell id -u)),--allow-root,)

## The whole test suite: the library and the generated files in sync with the notebooks, the library notebooks
## in-process (nbdev-test), then pytest: each chapter once in a real kernel against its committed outputs, and what a
## notebook cannot test; two at a time, one torch thread each
test: $(DEV_STAMP) export-check nbdev-test-library pytest

## Exports the notebooks into a temporary copy and compares: it never writes into fastbook_answers/
export-check: $(DEV_STAMP)
	$(BIN)/python tools/export_check.py
	$(BIN)/python tools/make_readme.py --check

NBDEV_TEST := FASTBOOK_ANSWERS_SOURCE=offline $(THREADS) PYTHONPATH=tests/netguard MPLBACKEND=Agg $(BIN)/nbdev-test --n-workers 2

## Every notebook in-process, chapters included (what a maintainer runs after an edit)
nbdev-test: $(DEV_STAMP)
	$(NBDEV_TEST)

## The library notebooks only (make test runs them here, once); the chapters run in pytest, in a real kernel, as learners run them
nbdev-test-library: $(DEV_STAMP)
	$(NBDEV_TEST) --skip-file-re '^([_.]|$(subst $(space),|,$(notdir $(CHAPTER_NBS))))'

pytest: $(DEV_STAMP)
	$(THREADS) $(BIN)/python -m pytest -n 2 --dist worksteal

## Each chapter twice side by side, wanting identical output: run it before committing new outputs (`make outputs`)
repro: $(DEV_STAMP)
	$(THREADS) $(BIN)/python -m pytest -n 2 -m repro tests/test_notebooks.py

## Time every notebook in a real kernel (median of 3), at the committed outputs' thread count; writes benchmarks/RESULTS.md
bench: $(DEV_STAMP)
	$(THREADS) $(BIN)/python benchmarks/run_benchmarks.py

## Run each chapter at every seed of `course.SEEDS` and record the results in fastbook_answers/seed_runs.json
seeds: $(DEV_STAMP)
	$(THREADS) $(BIN)/fastbook-answers seeds

## Re-execute notebooks in a real kernel, offline and behind the network guard, and keep their outputs and the fingerprint
## of the machine that made them (NBS="nbs/05_pet_breeds.ipynb" for one; default: the chapters)
NBS ?= $(CHAPTER_NBS)
outputs: $(DEV_STAMP)
	$(THREADS) $(BIN)/python tools/refresh_outputs.py $(NBS)

## Regenerate README.md from nbs/index.ipynb; first write what the repository's address ([project.urls] in pyproject.toml)
## and the version decide: the chapters' setup cells (Colab, Kaggle), the links of nbs/index.ipynb, ANSWERS.md
readme: $(DEV_STAMP)
	$(BIN)/python tools/make_answers.py
	$(BIN)/python tools/make_readme.py

## The course's website: every notebook a page, built into _site/ from the committed notebooks without running them
## (Jupyter Book 1, offline), then checked (questions and anchors, links, images, search, no machine paths)
site: $(DEV_STAMP)
	$(BIN)/python -c 'import sys; from fastbook_answers.site import main; sys.exit(main(sys.argv[1:]))' $(SITE_ARGS)

## Open the built site in a real browser (Playwright for Python driving the machine's Chromium): search, follow a result
## to its question, a figure drawn, a screenshot in _site_check/
site-check: site
	$(BIN)/python tools/site_check.py

clean-nbs: $(DEV_STAMP)
	$(BIN)/nbdev-clean

## Ready to release? Builds the sdist and the wheel into dist/, twine check, installs the wheel into a fresh venv (pip, with
## the machine's own package configuration) and runs both chapters from an empty folder outside the checkout, offline.
## About ten minutes; not part of `make test`. ONTO="torch==2.14.1 torchvision==0.29.1" installs those into the venv first,
## as Colab and Kaggle have them, and fails if installing the wheel changes them.
ONTO ?=
release-check: $(DEV_STAMP)
	$(THREADS) $(BIN)/python tools/release_check.py $(if $(ONTO),--onto="$(ONTO)",)

## Both chapters on a CUDA device: writes benchmarks/GPU.md (times, question 23's float32 against mixed precision, the
## results beside the committed CPU seed runs, each claim and whether it held); exits 1 if a claim failed. Without a GPU it
## says so and exits 0.
gpu-check: $(DEV_STAMP)
	$(BIN)/python tools/gpu_check.py
