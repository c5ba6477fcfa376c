"""Every notebook, executed top to bottom in a real Jupyter kernel (nbclient + ipykernel), with the
network blocked and the offline data: what a learner gets from 'Run All' in JupyterLab."""
import time
import nbformat, pytest
from nbclient import NotebookClient
from conftest import NBS, kernel_env

NOTEBOOKS = sorted(p.name for p in NBS.glob('*.ipynb'))

def run_notebook(name, tmp_path, timeout=600):
    nb = nbformat.read(NBS/name, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}})
    import os
    old = dict(os.environ); os.environ.update(kernel_env(tmp_path))
    try:
        t0 = time.perf_counter(); client.execute(); return nb, time.perf_counter()-t0
    finally: os.environ.clear(); os.environ.update(old)

@pytest.mark.parametrize('name', NOTEBOOKS)
def test_notebook_runs_in_real_kernel(name, tmp_path):
    nb, secs = run_notebook(name, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []) if o.get('output_type') == 'error']
    assert not errors, errors
    print(f'{name}: {secs:.1f}s')
