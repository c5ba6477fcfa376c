#!/usr/bin/env python3
"""Re-execute notebooks and keep their outputs (the chapter notebooks are committed with them), with the
course's one runner: a fresh real kernel, offline data, network blocked. Then nbdev-clean tidies their metadata.
A notebook whose run fails is left untouched, and the script exits 1.

usage: python tools/refresh_outputs.py NOTEBOOK.ipynb [...]   (or: make outputs NBS="...")"""
import subprocess, sys
from pathlib import Path
from fastbook_answers.course import import_nbformat
from fastbook_answers.runner import execute_notebook
nbformat = import_nbformat()

def refresh(p:Path) -> bool:
    ex, secs, err = execute_notebook(p, timeout=900, offline=True)
    if err:
        print(f"{p}: FAILED at {err['where']}: {err['ename']}: {str(err['evalue'])[:300]}; left unchanged", flush=True)
        return False
    ex.metadata.pop('fastbook_answers', None)
    nbformat.write(ex, p)
    subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(p)], check=True)
    print(f"{p}: {secs:.1f}s, outputs saved", flush=True)
    return True

if __name__ == '__main__':
    if len(sys.argv) < 2: sys.exit(__doc__)
    sys.exit(0 if all([refresh(Path(a)) for a in sys.argv[1:]]) else 1)
