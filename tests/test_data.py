import os, re, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pytest
from PIL import Image
from fastbook_answers import data
from fastbook_answers.data import (mnist_sample, mnist_digits, pets, verify_folder, materialise, mnist_5k,
                                   sample_photo, PETS_LABELS, PETS_PAT, MNIST_SAMPLE_DIRS, MANIFEST)

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "A fresh, empty cache folder, so each test builds from scratch."
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    return tmp_path/'cache'

def test_loaders_work_without_network(cache, no_network):
    import socket
    with pytest.raises(OSError, match='network access blocked'): socket.create_connection(('203.0.113.1', 80), timeout=1)
    for f in (mnist_sample, mnist_digits, pets): assert verify_folder(f(source='offline')) == []

def test_mnist_sample_layout(cache):
    p = mnist_sample(source='offline')
    assert p == cache/'mnist_sample'
    counts = [len(list((p/r).glob('*.png'))) for r in MNIST_SAMPLE_DIRS]
    assert counts == [400, 400, 100, 100]
    for r in MNIST_SAMPLE_DIRS:
        for f in list((p/r).iterdir())[:20]:
            im = Image.open(f); assert (im.size, im.mode) == ((28, 28), 'L')
    rows = (p/'labels.csv').read_text().split()
    assert rows[0] == 'name,label' and len(rows) == 1001
    for row in rows[1:]:
        name, lbl = row.split(',')
        assert (p/name).is_file() and lbl == ('0' if '/3/' in name else '1')

def test_split_is_fixed_and_disjoint(cache):
    p = mnist_sample(source='offline')
    train = {f.name for f in (p/'train/3').iterdir()}; valid = {f.name for f in (p/'valid/3').iterdir()}
    assert not train & valid
    _, y, is_valid = mnist_5k(); _, y2, is_valid2 = mnist_5k()
    assert (is_valid == is_valid2).all()

def test_pets_names_and_sizes(cache):
    p = pets(source='offline', n_per_label=5)
    fns = list((p/'images').glob('*.jpg'))
    assert len(fns) == 50
    labels = {re.match(PETS_PAT, f.name).group(1) for f in fns}
    assert labels == set(PETS_LABELS)
    assert len({Image.open(f).size for f in fns}) > 20

def test_damaged_cache_is_detected_and_rebuilt(cache):
    p = mnist_sample(source='offline')
    victim = next((p/'valid/7').iterdir())
    victim.write_bytes(b'not a png')
    gone = next((p/'train/3').iterdir()); gone.unlink()
    probs = verify_folder(p)
    assert any('altered' in s for s in probs) and any('missing' in s for s in probs)
    with pytest.warns(UserWarning, match='rebuilding'): p2 = mnist_sample(source='offline')
    assert p2 == p and verify_folder(p) == []
    Image.open(victim).verify(); assert gone.is_file()

def test_missing_manifest_means_rebuild(cache):
    p = mnist_sample(source='offline'); (p/MANIFEST).unlink()
    assert verify_folder(p) and 'missing' in verify_folder(p)[0]
    with pytest.warns(UserWarning): mnist_sample(source='offline')
    assert verify_folder(p) == []

def test_extra_file_is_damage(cache):
    p = mnist_sample(source='offline'); (p/'train/3/intruder.png').write_bytes(b'x')
    assert 'unexpected' in verify_folder(p)[0]

def test_unwritable_cache_gives_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path/'a_file'; blocker.write_text('x')
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(blocker/'cache'))
    with pytest.raises(PermissionError, match='FASTBOOK_ANSWERS_DATA'): mnist_sample(source='offline')

def test_failed_build_leaves_nothing_behind(tmp_path):
    def bad(d): (d/'half.txt').write_text('x'); raise RuntimeError('boom')
    with pytest.raises(RuntimeError, match='boom'): materialise(tmp_path/'ds', bad)
    assert not (tmp_path/'ds').exists()
    assert not [p for p in tmp_path.iterdir() if '.tmp-' in p.name]

def test_check_rejects_a_wrong_build(tmp_path):
    def check(d): raise RuntimeError('wrong count')
    with pytest.raises(RuntimeError, match='wrong count'): materialise(tmp_path/'ds', lambda d: None, check=check)
    assert not (tmp_path/'ds').exists()

BUILD = "import sys; from fastbook_answers.data import mnist_sample, verify_folder; p = mnist_sample(source='offline'); print(p, len(verify_folder(p)))"

def test_two_processes_build_at_once(cache):
    env = dict(os.environ, FASTBOOK_ANSWERS_DATA=str(cache))
    procs = [subprocess.Popen([sys.executable, '-c', BUILD], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert all(o.strip().endswith(' 0') for o, _ in outs), outs
    assert verify_folder(cache/'mnist_sample') == []
    assert not [p for p in cache.iterdir() if '.tmp-' in p.name]

@pytest.mark.parametrize('bad', ['online', 'FULL', 1])
def test_bad_source(bad):
    with pytest.raises(ValueError, match='source must be one of'): mnist_sample(source=bad)

def test_env_source_default(monkeypatch, cache):
    monkeypatch.setenv('FASTBOOK_ANSWERS_SOURCE', 'nonsense')
    with pytest.raises(ValueError, match='source must be one of'): mnist_sample()

def test_full_without_the_dataset_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(data, '_fastai_data', lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r'untar_data\(URLs.MNIST_SAMPLE\)'): mnist_sample(source='full')
    with pytest.raises(FileNotFoundError, match=r'URLs.PETS'): pets(source='full')
    with pytest.raises(FileNotFoundError, match=r'URLs.MNIST\)'): mnist_digits(source='full')

def test_real_dataset_is_preferred_when_present(monkeypatch, tmp_path, cache):
    "With the book's folder in fastai's data folder, 'auto' and 'full' return it; 'offline' does not."
    real = tmp_path/'mnist_sample'
    for r in MNIST_SAMPLE_DIRS: (real/r).mkdir(parents=True)
    monkeypatch.setattr(data, '_fastai_data', lambda: tmp_path)
    assert mnist_sample(source='auto') == real and mnist_sample(source='full') == real
    assert mnist_sample(source='offline') == cache/'mnist_sample'

def test_explicit_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='no MNIST_SAMPLE'): mnist_sample(path=tmp_path/'nope')
    (tmp_path/'train/3').mkdir(parents=True)
    with pytest.raises(ValueError, match='missing folder'): mnist_sample(path=tmp_path)
    (tmp_path/'images').mkdir()
    assert pets(path=tmp_path) == tmp_path

@pytest.mark.parametrize('bad', [0, 101, 2.5, '10', True])
def test_pets_bad_count(bad):
    with pytest.raises(ValueError, match='n_per_label'): pets(n_per_label=bad)

def test_sample_photo():
    assert sample_photo('flower').shape == (427, 640, 3)
    with pytest.raises(ValueError, match="'china' or 'flower'"): sample_photo('dog')
