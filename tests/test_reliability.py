"""The reliability suite: the course holds up when the network is gone, when its data cache is damaged or
built twice at once, when a notebook is run twice in a row, and when it is given bad input.

What the rest of the suite already proves is not repeated here: tests/test_data.py (loaders offline in
process, a corrupted and a deleted MNIST file, a missing manifest, an extra file, two processes building
mnist_sample), tests/test_notebooks.py (every notebook once in a real kernel with the guard on),
tests/test_cli.py (every bad command line). Counts for the report: `pytest tests/test_reliability.py -s`
prints them at the end."""
import importlib, inspect, json, math, os, re, shutil, signal, subprocess, sys, time, warnings
from pathlib import Path
import nbformat, pytest
from PIL import Image
from conftest import ROOT, NBS, NETGUARD, kernel_env
from fastbook_answers import data
from fastbook_answers.data import mnist_sample, mnist_digits, pets, verify_folder, MANIFEST, sample_photo, mnist_5k
from fastbook_answers.cli import execute_notebook, notebook_report, CHAPTERS

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
TALLY = dict(notebook_runs=0, faults_survived=0, faults_not_survived=0, bad_inputs=0)

# conftest.pytest_terminal_summary prints TALLY at the end of the run

@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    return tmp_path/'cache'

# ---------------------------------------------------------------- no network
GUARD_NB = [
    md('# The network guard, seen from inside a kernel'),
    code("import socket, sitecustomize\n"
         "# Stop here, before any connection attempt, unless the guard's functions are the ones installed.\n"
         "assert socket.socket.connect is sitecustomize.connect and socket.getaddrinfo is sitecustomize.getaddrinfo, 'no guard'"),
    code("refused = []\n"
         "for attempt in (lambda: socket.create_connection(('203.0.113.1', 80), timeout=1),   # TEST-NET-3: never routed\n"
         "                lambda: socket.socket().connect(('203.0.113.1', 443)),\n"
         "                lambda: socket.socket(socket.AF_INET6).connect(('2001:db8::1', 80, 0, 0)),\n"
         "                lambda: socket.getaddrinfo('files.fast.ai', 443)):\n"
         "    try: attempt()\n"
         "    except sitecustomize.NetworkBlocked as e: refused.append(str(e))\n"
         "assert len(refused) == 4 and all('network access blocked' in r for r in refused), refused"),
    code("# loopback still works (the kernel itself talks to its client over it)\n"
         "srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)\n"
         "cli = socket.create_connection(srv.getsockname(), timeout=5); conn, _ = srv.accept()\n"
         "cli.sendall(b'ok'); assert conn.recv(2) == b'ok'\n"
         "for s in (cli, conn, srv): s.close()"),
    code("from fastbook_answers.data import pets, mnist_sample\n"
         "assert len(list((pets(n_per_label=2)/'images').glob('*.jpg'))) >= 20 and (mnist_sample()/'train'/'3').is_dir()"),
]

def test_guard_is_active_inside_a_kernel(tmp_path):
    p = tmp_path/'guard.ipynb'; nbformat.write(nbformat.v4.new_notebook(cells=GUARD_NB), p)
    env = dict(kernel_env(tmp_path), FASTBOOK_ANSWERS_DATA=str(tmp_path/'cache'))
    nb, secs, err = execute_notebook(p, timeout=300, env=env)
    TALLY['notebook_runs'] += 1
    assert err is None, (err, [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'error'])

def test_every_loader_offline_in_process(cache, no_network):
    "Beyond test_data's three folder loaders: the arrays, the photos and the pretrained weights, sockets blocked."
    import socket
    with pytest.raises(OSError, match='network access blocked'): socket.getaddrinfo('files.fast.ai', 443)
    X, y, v = mnist_5k(); assert X.shape == (5000, 28, 28) and v.sum() == 1000
    for name in ('china', 'flower'): assert sample_photo(name).shape == (427, 640, 3)
    pb = pytest.importorskip('fastbook_answers.pet_breeds')
    for name in ('xresnet_tiny', 'xresnet_small'):
        if (pb.weights_dir()/f'{name}.pth').is_file(): assert len(pb.load_weights(name)) > 10

def test_network_guard_has_no_gaps(no_network):
    "Every way out is closed: lookups of names that merely start like loopback, the old gethostbyname calls, UDP; loopback itself stays open."
    import socket
    for lookup in (lambda: socket.getaddrinfo('127.0.0.1.nip.io', 80), lambda: socket.getaddrinfo('127.evil.example', 80),
                   lambda: socket.gethostbyname('files.fast.ai'), lambda: socket.gethostbyname_ex('files.fast.ai')):
        with pytest.raises(no_network.NetworkBlocked, match='network access blocked'): lookup()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        with pytest.raises(no_network.NetworkBlocked): u.sendto(b'x', ('8.8.8.8', 53))
        with pytest.raises(no_network.NetworkBlocked): u.sendmsg([b'x'], [], 0, ('8.8.8.8', 53))
        u.sendto(b'x', ('127.0.0.1', 9))                        # loopback: allowed (the datagram is simply dropped)
    assert socket.getaddrinfo('localhost', 80) and socket.gethostbyname('127.0.0.1') == '127.0.0.1'
    _survived()

def _unshare_ok() -> bool:
    try: return subprocess.run(['unshare', '-n', 'sh', '-c', 'ip link set lo up'], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError): return False

# ---------------------------------------------------------------- twice in a row
TIMING = re.compile(r'time|sec|speed|ratio|faster|elapsed|_ms$|_s$', re.I)

def _run_chapter(ch, out, env, netns=False):
    cmd = [sys.executable, '-m', 'fastbook_answers.cli', 'run', '--chapter', str(ch), '--out', str(out), '--offline']
    if netns: cmd = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    TALLY['notebook_runs'] += 1
    assert p.returncode == 0 and 'Traceback' not in p.stderr, (p.stdout, p.stderr[-3000:])
    return json.loads((out/'summary.json').read_text())[0], nbformat.read(next(out.glob('*.ipynb')), as_version=4)

def _asserted_outputs(nb):
    "Text printed by each code cell that asserts something, keyed by cell position."
    from fastbook_answers.cli import count_assertions
    out = {}
    for i,c in enumerate(nb.cells):
        if c.cell_type != 'code' or not count_assertions(c.source): continue
        out[i] = ''.join(o.get('text', '') if o.output_type == 'stream' else o.get('data', {}).get('text/plain', '')
                         for o in c.outputs if o.output_type in ('stream', 'execute_result'))
    return out

@pytest.mark.parametrize('ch', CHAPTERS)
def test_chapter_runs_twice_with_the_same_results(ch, tmp_path):
    """The chapter notebook run twice in a row by `fastbook-answers run`, each time in a fresh kernel: every question
    answered both times, the same assertions passed, the same `chN_results`; the second run, where the OS allows it,
    inside a network namespace that has only loopback (no network at all, not just the guard)."""
    if not list(NBS.glob(f'{ch:02d}_*.ipynb')): pytest.skip(f'no chapter {ch} notebook')
    env = dict(kernel_env(tmp_path), FASTBOOK_ANSWERS_DATA=str(tmp_path/'cache'))
    r1, nb1 = _run_chapter(ch, tmp_path/'run1', env)
    netns = _unshare_ok()
    r2, nb2 = _run_chapter(ch, tmp_path/'run2', env, netns=netns)
    assert r1['answered'] == r1['questions'] > 0, r1['unanswered']
    assert (r2['questions'], r2['answered'], r2['assertions']) == (r1['questions'], r1['answered'], r1['assertions'])
    res1, res2 = r1['results'].get(f'ch{ch}_results', {}), r2['results'].get(f'ch{ch}_results', {})
    assert res1.keys() == res2.keys()
    differ = {k: (res1[k], res2[k]) for k in res1 if not TIMING.search(k) and not (
        res1[k] == res2[k] or isinstance(res1[k], float) and isinstance(res2[k], float) and math.isclose(res1[k], res2[k], rel_tol=1e-6, abs_tol=1e-9))}
    assert not differ, f'results changed between two runs: {differ}'
    o1, o2 = _asserted_outputs(nb1), _asserted_outputs(nb2)
    changed = [i for i in o1 if o1[i] != o2.get(i) and not TIMING.search(nb1.cells[i].source + o1[i])]
    assert not changed, [(nb1.cells[i].source[:200], o1[i][:300], o2[i][:300]) for i in changed]
    print(f"chapter {ch}: {r1['seconds']}s then {r2['seconds']}s (second run {'with no network interface but loopback' if netns else 'with the guard only'}); "
          f"{len(res1)} results and {len(o1)} asserting cells identical")

# ---------------------------------------------------------------- the data cache
def _survived(ok=True): TALLY['faults_survived' if ok else 'faults_not_survived'] += 1

def test_pets_truncated_deleted_and_extra_files(cache):
    p = pets(source='offline', n_per_label=3)
    jpgs = sorted((p/'images').glob('*.jpg'))
    jpgs[0].write_bytes(jpgs[0].read_bytes()[:100])          # truncated
    jpgs[1].unlink()                                          # deleted
    (p/'images'/'Zero_99.jpg').write_bytes(jpgs[2].read_bytes())   # a foreign file a labeller would pick up
    probs = ' '.join(verify_folder(p))
    assert 'altered' in probs and 'missing' in probs and 'unexpected' in probs
    with pytest.warns(UserWarning, match='rebuilding'): assert pets(source='offline', n_per_label=3) == p
    assert verify_folder(p) == [] and not (p/'images'/'Zero_99.jpg').exists()
    Image.open(jpgs[0]).load(); assert jpgs[1].is_file()
    _survived(); _survived(); _survived()

def test_digits_class_folder_deleted(cache):
    p = mnist_digits(source='offline')
    shutil.rmtree(p/'testing'/'7')
    with pytest.warns(UserWarning, match='rebuilding'): mnist_digits(source='offline')
    assert verify_folder(p) == [] and len(list((p/'testing'/'7').iterdir())) == 100
    _survived()

def test_manifest_garbled(cache):
    p = mnist_sample(source='offline'); (p/MANIFEST).write_text('{"files": ')
    assert verify_folder(p) == [f'{MANIFEST} is not valid JSON']
    with pytest.warns(UserWarning): mnist_sample(source='offline')
    assert verify_folder(p) == []
    _survived()

def test_builder_killed_midway(cache):
    "A build killed by SIGKILL (power cut, OOM killer): the next call still ends with a good cache."
    env = dict(os.environ, FASTBOOK_ANSWERS_DATA=str(cache))
    proc = subprocess.Popen([sys.executable, '-c', "from fastbook_answers.data import pets; pets(source='offline', n_per_label=100)"], env=env)
    t0 = time.time()
    while time.time() - t0 < 120 and not any(len(list(d.rglob('*.jpg'))) > 20 for d in cache.glob('.pets*.tmp-*')): time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    leftovers = list(cache.glob('.pets*.tmp-*'))
    assert leftovers and not (cache/'pets_100').exists()     # it really was killed mid-build
    p = pets(source='offline', n_per_label=5)
    assert verify_folder(p) == [] and len(list((p/'images').glob('*.jpg'))) == 50
    assert not any(d.exists() for d in leftovers)         # the dead builder's half-built folder was cleared
    _survived()

def test_dataset_folder_replaced_by_a_file(cache):
    p = mnist_sample(source='offline'); shutil.rmtree(p); p.write_text('oops')
    with pytest.warns(UserWarning, match='a file or link stands'): mnist_sample(source='offline')
    assert p.is_dir() and verify_folder(p) == []; _survived()

BUILD = ("from fastbook_answers.data import {f}, verify_folder; p = {f}(source='offline'{kw}); print(p, len(verify_folder(p)))")

@pytest.mark.parametrize('f,kw', [('pets', ', n_per_label=8'), ('mnist_digits', '')])
def test_three_processes_build_at_once(cache, f, kw):
    env = dict(os.environ, FASTBOOK_ANSWERS_DATA=str(cache))
    procs = [subprocess.Popen([sys.executable, '-c', BUILD.format(f=f, kw=kw)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert all(o.strip().endswith(' 0') for o,_ in outs), outs
    paths = {o.split()[0] for o,_ in outs}
    assert len(paths) == 1 and verify_folder(paths.pop()) == [] and not [d for d in cache.iterdir() if '.tmp-' in d.name]
    _survived()

def test_two_processes_rebuild_a_damaged_cache_at_once(cache):
    p = mnist_sample(source='offline')
    for f in list((p/'train'/'3').iterdir())[:50]: f.write_bytes(b'')
    env = dict(os.environ, FASTBOOK_ANSWERS_DATA=str(cache))
    procs = [subprocess.Popen([sys.executable, '-W', 'ignore', '-c', BUILD.format(f='mnist_sample', kw='')], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 and o.strip().endswith(' 0') for p,(o,_) in zip(procs, outs)), outs
    assert verify_folder(p) == []
    _survived()

def test_loader_inside_a_notebook_rebuilds(tmp_path, cache):
    "The learner's view: a damaged cache, then a notebook cell calling the loader, in a real kernel, passes."
    p = tmp_path/'n.ipynb'
    nbformat.write(nbformat.v4.new_notebook(cells=[code("from fastbook_answers.data import mnist_sample, verify_folder\n"
                                                        "import warnings\nwith warnings.catch_warnings(record=True) as w:\n"
                                                        "    warnings.simplefilter('always'); p = mnist_sample()\n"
                                                        "assert verify_folder(p) == []\nprint(sum('rebuilding' in str(x.message) for x in w), 'warning(s)')")]), p)
    first = mnist_sample(source='offline')
    env = kernel_env(tmp_path)   # carries FASTBOOK_ANSWERS_DATA=cache
    next((first/'valid'/'3').iterdir()).write_bytes(b'garbage')
    nb, _, err = execute_notebook(p, timeout=300, env=env)
    TALLY['notebook_runs'] += 1
    assert err is None and '1 warning(s)' in nb.cells[0].outputs[0]['text'], (err, nb.cells[0].outputs)
    _survived()

# ---------------------------------------------------------------- bad input to every public helper
class _Bad:
    "A value no helper can accept: not a number, a string, a path, a tensor or a notebook."
    def __repr__(self): return '<bad input>'

MODULES = ['core', 'data', 'quiz', 'cli', 'mnist_basics', 'pet_breeds']
# helpers whose whole input is optional or whose contract is a different kind of input; each is probed below differently
SKIP = {'cli.main', 'quiz.quiz_session'}

# Gaps found by this probe and not yet fixed are listed here, so the suite reports them without going red:
KNOWN_GAPS: dict[str,str] = {}   # 'module.function': why it fails the probe (xfail, not strict); empty: every helper passes

def _public_functions():
    out = []
    for m in MODULES:
        try: mod = importlib.import_module(f'fastbook_answers.{m}')
        except ImportError: continue
        for name in getattr(mod, '__all__', []):
            f = getattr(mod, name)
            if not inspect.isfunction(f) or f'{m}.{name}' in SKIP: continue
            req = [p for p in inspect.signature(f).parameters.values()
                   if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            marks = [pytest.mark.xfail(reason=KNOWN_GAPS[f'{m}.{name}'], strict=False)] if f'{m}.{name}' in KNOWN_GAPS else []
            out.append(pytest.param(f, len(req), id=f'{m}.{name}', marks=marks))
    return out

@pytest.mark.parametrize('f,n_req', _public_functions())
def test_bad_input_gets_a_clear_error(f, n_req, monkeypatch, tmp_path):
    """Every exported function, called with a value it cannot use in its first parameter (the rest left at
    their defaults or given the same bad value), raises TypeError or ValueError (or FileNotFoundError, or the
    CLI's CourseError) with a message, and never returns as if nothing were wrong."""
    from fastbook_answers.quiz import CourseError
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    params = list(inspect.signature(f).parameters.values())
    if not params: pytest.skip('takes no input')
    args = [_Bad()] * max(n_req, 1)
    TALLY['bad_inputs'] += 1
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises((TypeError, ValueError, FileNotFoundError, CourseError)) as e: f(*args)
    assert str(e.value).strip(), f'{f.__name__} raised {type(e.value).__name__} without a message'

def test_quiz_session_and_main_bad_input():
    from fastbook_answers.quiz import quiz_session
    from fastbook_answers.cli import main
    for bad in (_Bad(), 3):
        TALLY['bad_inputs'] += 1
        with pytest.raises(TypeError): quiz_session(bad, inp=lambda p: '', out=lambda s: None)
    for bad in (['run', '--chapter', '9'], ['quiz', '--seed', 'x']):
        TALLY['bad_inputs'] += 1
        with pytest.raises(SystemExit) as e: main(bad)
        assert e.value.code == 2
