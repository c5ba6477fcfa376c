"""The offline data cache under faults and concurrency, on the real datasets in a fresh cache: files damaged, deleted
or added behind its back, its manifest lost or garbled, a class folder gone, a cache that cannot be created, a build
that fails, a builder killed mid-build, several processes building or rebuilding at once, a loader called from a real
kernel on a damaged cache, and the split drawn the same in every process. (The cache's own logic, on a toy dataset,
and the choice between our data and the book's are tested in nbs/01_data.ipynb.)"""
import shutil, signal, subprocess, sys, time
import numpy as np, pytest
from PIL import Image
from fastbook_answers.data import (mnist_sample, mnist_digits, pets, verify_folder, materialise, mnist_5k, MNIST_SAMPLE_DIRS, MANIFEST)
from fastbook_answers.course import import_nbformat
from fastbook_answers.runner import execute_notebook
nbformat = import_nbformat()

# ---------------------------------------------------------------- faults
def test_files_truncated_deleted_and_added(cache, tally):
    p = pets(source='offline', n_per_label=3)
    jpgs = sorted((p/'images').glob('*.jpg'))
    jpgs[0].write_bytes(jpgs[0].read_bytes()[:100]); tally('faults_survived', 'an image truncated')
    jpgs[1].unlink(); tally('faults_survived', 'an image deleted')
    (p/'images'/'Zero_99.jpg').write_bytes(jpgs[2].read_bytes()); tally('faults_survived', 'a foreign image a labeller would pick up')
    probs = ' '.join(verify_folder(p))
    assert 'altered' in probs and 'missing' in probs and 'unexpected' in probs
    with pytest.warns(UserWarning, match='rebuilding'): assert pets(source='offline', n_per_label=3) == p
    assert verify_folder(p) == [] and not (p/'images'/'Zero_99.jpg').exists()
    Image.open(jpgs[0]).load(); assert jpgs[1].is_file()

@pytest.mark.parametrize('damage', ['deleted', 'garbled'])
def test_manifest_lost_or_garbled(cache, damage, tally):
    p = mnist_sample(source='offline')
    if damage == 'deleted': (p/MANIFEST).unlink()
    else: (p/MANIFEST).write_text('{"files": ')
    tally('faults_survived', f'the manifest {damage}')
    assert verify_folder(p) == ([f'{MANIFEST} is missing (an interrupted or foreign folder)'] if damage == 'deleted' else [f'{MANIFEST} is not valid JSON']), verify_folder(p)
    with pytest.warns(UserWarning, match='rebuilding'): mnist_sample(source='offline')
    assert verify_folder(p) == []

def test_class_folder_deleted(cache, tally):
    p = mnist_sample(source='offline')
    shutil.rmtree(p/'valid'/'7'); tally('faults_survived', 'a class folder deleted')
    with pytest.warns(UserWarning, match='rebuilding'): mnist_sample(source='offline')
    assert verify_folder(p) == [] and len(list((p/'valid'/'7').iterdir())) == 100

def test_unwritable_cache_gives_clear_error(tmp_path, monkeypatch, tally):
    "Even as root (CI): a cache path under a file cannot be created, and the error says which variable moves it."
    blocker = tmp_path/'a_file'; blocker.write_text('x')
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(blocker/'cache')); tally('faults_survived', 'a cache folder that cannot be created')
    with pytest.raises(PermissionError, match='FASTBOOK_ANSWERS_DATA'): mnist_sample(source='offline')

def test_failed_or_wrong_build_leaves_nothing_behind(tmp_path, tally):
    def bad(d): (d/'half.txt').write_text('x'); raise RuntimeError('boom')
    tally('faults_survived', 'a build that raises halfway')
    with pytest.raises(RuntimeError, match='boom'): materialise(tmp_path/'ds', bad)
    def check(d): raise RuntimeError('wrong count')
    tally('faults_survived', 'a build that its check rejects')
    with pytest.raises(RuntimeError, match='wrong count'): materialise(tmp_path/'ds', lambda d: None, check=check)
    assert not (tmp_path/'ds').exists() and not [p for p in tmp_path.iterdir() if '.tmp-' in p.name]

def test_builder_killed_midway(cache, tally):
    "A build killed by SIGKILL (power cut, OOM killer): the next call still ends with a good cache."
    proc = subprocess.Popen([sys.executable, '-c', "from fastbook_answers.data import pets; pets(source='offline', n_per_label=100)"])
    t0 = time.time()
    while time.time() - t0 < 120 and not any(len(list(d.rglob('*.jpg'))) > 20 for d in cache.glob('.pets*.tmp-*')): time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait(); tally('faults_survived', 'a builder killed mid-build')
    leftovers = list(cache.glob('.pets*.tmp-*'))
    assert leftovers and not (cache/'pets_100').exists()      # it really was killed mid-build
    p = pets(source='offline', n_per_label=5)
    assert verify_folder(p) == [] and len(list((p/'images').glob('*.jpg'))) == 50
    assert not any(d.exists() for d in leftovers)          # the dead builder's half-built folder was cleared

# ---------------------------------------------------------------- several processes at once
BUILD = "from fastbook_answers.data import {f}, verify_folder; p = {f}(source='offline'{kw}); print(p, len(verify_folder(p)))"

def _at_once(n, f, kw=''):
    procs = [subprocess.Popen([sys.executable, '-W', 'ignore', '-c', BUILD.format(f=f, kw=kw)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 and o.strip().endswith(' 0') for p, (o, _) in zip(procs, outs)), outs
    return {o.split()[0] for o, _ in outs}

@pytest.mark.parametrize('f,kw', [('mnist_sample', ''), ('pets', ', n_per_label=8')])   # one lock for all: materialise's
def test_three_processes_build_at_once(cache, f, kw, tally):
    tally('faults_survived', f'three processes building {f} at once')
    paths = _at_once(3, f, kw)
    assert len(paths) == 1 and verify_folder(paths.pop()) == [] and not [d for d in cache.iterdir() if '.tmp-' in d.name]

def test_two_processes_rebuild_a_damaged_cache_at_once(cache, tally):
    p = mnist_sample(source='offline')
    for f in list((p/'train'/'3').iterdir())[:50]: f.write_bytes(b'')
    tally('faults_survived', 'two processes rebuilding a damaged cache at once')
    assert _at_once(2, 'mnist_sample') == {str(p)} and verify_folder(p) == []

def test_loader_inside_a_notebook_rebuilds(tmp_path, cache, tally):
    "The learner's view: a damaged cache, then a notebook cell calling the loader, in a real kernel, passes."
    nb = tmp_path/'n.ipynb'
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from fastbook_answers.data import mnist_sample, verify_folder\nimport warnings\n"
        "with warnings.catch_warnings(record=True) as w:\n    warnings.simplefilter('always'); p = mnist_sample()\n"
        "assert verify_folder(p) == []\nprint(sum('rebuilding' in str(x.message) for x in w), 'warning(s)')")]), nb)
    next((mnist_sample(source='offline')/'valid'/'3').iterdir()).write_bytes(b'garbage')
    tally('faults_survived', 'a damaged cache met by a loader in a real kernel')
    ex, _, err = execute_notebook(nb, timeout=300, offline=True)     # the kernel inherits FASTBOOK_ANSWERS_DATA
    tally('notebook_runs', 'a loader in a kernel')
    assert err is None and '1 warning(s)' in ex.cells[0].outputs[0]['text'], (err, ex.cells[0].outputs)

# ---------------------------------------------------------------- the split
def test_split_is_the_same_in_every_process():
    "The train/valid split is fixed: another process, with other seeds in force, draws the same one."
    _, y, is_valid = mnist_5k()
    code = ("import random, numpy as np; random.seed(1); np.random.seed(1)\n"
            "from fastbook_answers.data import mnist_5k; print(''.join('1' if v else '0' for v in mnist_5k()[2]))")
    other = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == ''.join('1' if v else '0' for v in is_valid)
    assert np.bincount(y[is_valid]).tolist() == [100]*10 and np.bincount(y[~is_valid]).tolist() == [400]*10
