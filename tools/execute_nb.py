#!/usr/bin/env python3
"""Execute notebooks in place in a real Jupyter kernel, keeping their outputs (chapter notebooks
are committed with outputs), then clean their metadata with nbdev-clean.

usage: execute_nb.py NOTEBOOK.ipynb [...]"""
import sys, time, os, subprocess
from pathlib import Path
import nbformat
from nbclient import NotebookClient

def execute(p:Path, timeout=900) -> float:
    nb = nbformat.read(p, as_version=4)
    os.environ.setdefault('FASTBOOK_ANSWERS_SOURCE', 'offline')
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(p.parent)}}).execute()
    secs = time.perf_counter() - t0
    nbformat.write(nb, p)
    return secs

if __name__ == '__main__':
    for a in sys.argv[1:]:
        print(f'{a}: {execute(Path(a)):.1f}s', flush=True)
    subprocess.run([str(Path(sys.executable).parent/'nbdev-clean')], check=True)
