#!/usr/bin/env python3
"""Write what the repository's address (`[project.urls]` in pyproject.toml) and the package's version decide: the setup
cell at the top of each chapter notebook (it installs the package on Colab and Kaggle), the section of nbs/index.ipynb
with the Colab and Kaggle links (the README's source), and ANSWERS.md, the answer sheet generated from the notebooks.
`make readme` runs it before tools/make_readme.py; `make test` runs it with --check (tools/export_check.py).

usage: make_answers.py [--check]   --check: write nothing; exit 1, naming the files, if any is out of step"""
import sys
from pathlib import Path

from fastbook_answers.answers import sync_files
from fastbook_answers.course import CourseError, checkout_path

ROOT = checkout_path()

def main(argv) -> int:
    check = '--check' in argv
    try: files = sync_files(ROOT, check=check)
    except CourseError as e: print(f'make_answers.py: {e}', file=sys.stderr); return 2
    if check and files:
        print('Out of step with pyproject.toml ([project.urls], the version) or with the notebooks:\n  ' + '\n  '.join(files) +
              '\nRun `make readme` (tools/make_answers.py writes them), then commit them.', file=sys.stderr)
        return 1
    print(('wrote ' + ', '.join(files)) if files and not check else
          'the setup cells, the links of nbs/index.ipynb and ANSWERS.md are in step with pyproject.toml and the notebooks')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
