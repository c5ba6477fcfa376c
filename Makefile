# Two commands do everything on a fresh machine:  `make lab`  opens the course, `make test` passes the tests.
# Both create the virtual environment in .venv and install the project into it first, if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install lab test export-check nbdev-test nbdev-test-library pytest bench outputs readme clean-nbs

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fastbook_answers)" >/dev/null
	@touch $(STAMP)

## JupyterLab 4 renders long notebooks lazily (windowingMode "contentVisibility"), and a contents link to a far question
## then stops short of it; with windowing off, every `#qN` link of a chapter's contents reaches its question.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): $(STAMP)
	@mkdir -p $(dir $@)
	@echo '{"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}' > $@

## Open the course in JupyterLab, on nbs/ (as root too: a container or a cloud VM). LAB_PORT and LAB_IP choose where it listens.
LAB_PORT ?= 8888
LAB_IP   ?= localhost
lab: $(STAMP) $(LAB_SETTINGS)
	@echo "Starting JupyterLab on nbs/. Open the http://$(LAB_IP):$(LAB_PORT)/lab?token=... address it prints below in your browser (Ctrl-C twice stops it)."
	$(BIN)/jupyter lab nbs/ --ip=$(LAB_IP) --port=$(LAB_PORT) $(if $(filter 0,$(shell id -u)),--allow-root,)

## The whole test suite: library in sync with the notebooks, the library notebooks in-process (nbdev-test), then pytest, which
## runs each chapter twice in a real kernel; two at a time, one torch thread each
test: $(STAMP) export-check nbdev-test-library pytest

export-check: $(STAMP)
	@snap=$$(mktemp -d) && cp -a fastbook_answers/. "$$snap"/ && \
	$(BIN)/nbdev-export && $(BIN)/fastbook-answers bank >/dev/null && \
	if ! diff -rq -x __pycache__ "$$snap" fastbook_answers >/dev/null; then \
	  echo "nbdev-export or the quiz-bank build changed fastbook_answers/: the library was out of sync with the notebooks."; \
	  diff -rq -x __pycache__ "$$snap" fastbook_answers; rm -rf "$$snap"; \
	  echo "(both are regenerated now: review and commit them, then run make test again)"; exit 1; fi; \
	rm -rf "$$snap"; echo "fastbook_answers/ is in sync with the notebooks"
	$(BIN)/python tools/make_readme.py --check

NBDEV_TEST := FASTBOOK_ANSWERS_SOURCE=offline OMP_NUM_THREADS=1 PYTHONPATH=tests/netguard MPLBACKEND=Agg $(BIN)/nbdev-test --n-workers 2

## Every notebook in-process, chapters included (what a maintainer runs after an edit)
nbdev-test: $(STAMP)
	$(NBDEV_TEST)

## The library notebooks only (make test runs them here, once); the chapters run in pytest instead (twice, in a real kernel, as learners run them)
nbdev-test-library: $(STAMP)
	$(NBDEV_TEST) --skip-file-re '^([_.]|0[45]_)'

pytest: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist worksteal

## Time every notebook in a real kernel (median of 3) and write benchmarks/RESULTS.md
bench: $(STAMP)
	$(BIN)/python benchmarks/run_benchmarks.py

## Re-execute notebooks in a real kernel, offline and behind the network guard, and keep their outputs (NBS="nbs/05_pet_breeds.ipynb" for one);
## one thread, as the tests run them, so that the committed outputs are the numbers the tests reproduce
NBS ?= nbs/04_mnist_basics.ipynb nbs/05_pet_breeds.ipynb
outputs: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python tools/refresh_outputs.py $(NBS)

## Regenerate README.md from nbs/index.ipynb
readme: $(STAMP)
	$(BIN)/python tools/make_readme.py

## The course's website: every notebook as a page, built into _site/ from the committed notebooks without running them
## (Jupyter Book 1, offline), then checked (questions and anchors, links, images, search, no machine paths)
.PHONY: site site-check
site: $(STAMP)
	$(BIN)/python tools/build_site.py

## Open the built site in a real browser (Playwright for Python driving the machine's Chromium): search, follow a result
## to its question, a figure drawn, a screenshot in _site_check/
site-check: site
	$(BIN)/python tools/site_check.py

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean
