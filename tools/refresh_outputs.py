#!/usr/bin/env python3
"""Re-execute notebooks and keep their outputs (the chapter notebooks are committed with them), with the
course's one runner: a fresh real kernel, offline data, network blocked, the default seed. The notebook's metadata keeps
the fingerprint of the machine that made the outputs (`fastbook_answers.fingerprint`: library versions, CPU, threads),
which `make test` compares with its own before it compares outputs exactly. Then nbdev-clean tidies the metadata.
A notebook whose run fails is left untouched, and the script exits 1.

usage: python tools/refresh_outputs.py NOTEBOOK.ipynb [...]   (or: make outputs NBS="...")"""
import subprocess, sys
from pathlib import Path
from fastbook_answers.course import DEFAULT_SEED, import_nbformat
from fastbook_answers.runner import execute_notebook
nbformat = import_nbformat()

def refresh(p:Path) -> bool:
    ex, secs, err = execute_notebook(p, timeout=900, offline=True, seed=DEFAULT_SEED)
    if err:
        print(f"{p}: FAILED at {err['where']}: {err['ename']}: {str(err['evalue'])[:300]}; left unchanged", flush=True)
        return False
    ex.metadata['fastbook_answers'] = dict(fingerprint=ex.metadata['fastbook_answers']['fingerprint'])
    nbformat.write(ex, p)
    subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(p)], check=True)
    print(f"{p}: {secs:.1f}s, outputs saved", flush=True)
    return True

if __name__ == '__main__':
    if len(sys.argv) < 2: sys.exit(__doc__)
    sys.exit(0 if all([refresh(Path(a)) for a in sys.argv[1:]]) else 1)
