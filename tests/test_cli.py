"""The `fastbook-answers` command as a learner meets it, in a subprocess: every bad input answered with a
message and an exit status, never a traceback; the quiz through a real stdin, end of input and Ctrl-C; `run`
on tiny notebooks in real kernels, dying and hanging ones included; `make lab` answering on its port.
(What the command's functions do in-process is tested in nbs/03e_cli.ipynb.)"""
import json, os, re, shutil, signal, socket, subprocess, sys, time, select, urllib.request
from pathlib import Path
import pytest
from conftest import ROOT, FBA, cli, no_traceback
from fastbook_answers.quiz import build_bank, bank_json, load_bank
from fastbook_answers.notebooks import CHAPTERS, import_nbformat
nbformat = import_nbformat()

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

# ---- small course notebooks, written under tmp_path ----
def tiny_course(d:Path, fail=False) -> Path:
    "Two tiny chapter notebooks (04_, 05_) in `d/nbs`; with `fail`, the second question of chapter 5 makes a false claim."
    nbs = d/'nbs'; nbs.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[md('# Chapter 4, tiny'), code('from fastcore.test import *\nch4_results = {"acc": 0.75}'),
        md('## 1. What is 2+2?\n\nFour, by the definition of addition.'), code('test_eq(2+2, 4)'),
        md('## Further research\n\nTwo tasks.'), md('### 1. Sum 1..100.\n\n5050, pairing first and last terms.'), code('test_eq(sum(range(101)), 5050)')]),
        nbs/'04_tiny.ipynb')
    nbformat.write(nbformat.v4.new_notebook(cells=[md('# Chapter 5, tiny'), code('import math\nfrom fastcore.test import *'),
        md('## 1. What is log(1)?\n\nZero: e to the power 0 is 1.'), code('test_eq(math.log(1), 0)'),
        md('## 2. Is log(-2) a real number?\n\nNo: the logarithm of a negative number is not real.'),
        code('assert math.log(-2) > 0' if fail else 'test_fail(lambda: math.log(-2), contains="domain")')]), nbs/'05_tiny.ipynb')
    nbformat.write(nbformat.v4.new_notebook(cells=[md('# Index')]), nbs/'index.ipynb')
    return nbs

# ---- bad command lines: usage errors (argparse) ----
USAGE_ERRORS = [
    [], ['bogus'], ['--colour'],
    ['run', '--chapter', '7'], ['run', '--chapter', 'four'], ['run', '--chapter'], ['run', '--colour'],
    ['run', '--timeout', '0'], ['run', '--timeout', 'soon'], ['run', '--out'], ['run', 'extra'],
    ['quiz', '--chapter', '7'], ['quiz', '--chapter', ''], ['quiz', '--chapter', '4.5'], ['quiz', '--seed', 'abc'],
    ['quiz', '--seed'], ['quiz', '--shuffle=yes'], ['quiz', 'extra'], ['quiz', '-x'], ['bank', '--build'], ['bank', 'extra'],
    ['quiz', '--due', '--stats'], ['quiz', '--today', 'tomorrow'], ['anki', '--chapter', '7'], ['anki', '--out'],
]

@pytest.mark.parametrize('args', USAGE_ERRORS, ids=lambda a: ' '.join(a) or '(none)')
def test_bad_usage_exits_2_with_usage_line(args, tally):
    rc, out, err = cli(*args)
    tally('bad_inputs')
    assert rc == 2, (rc, out, err)
    assert err.startswith('usage: fastbook-answers'), err
    assert 'error:' in err
    no_traceback(out, err)

def test_help_and_version():
    for args in (['--help'], ['run', '--help'], ['quiz', '--help'], ['bank', '--help'], ['anki', '--help']):
        rc, out, err = cli(*args); assert rc == 0 and out.startswith('usage: fastbook-answers'), (args, out, err)
    rc, out, _ = cli('--version'); assert rc == 0 and out.startswith('fastbook-answers 0.')

# ---- bad command lines: problems the learner can fix (exit 2, one message) ----
def test_problems_the_learner_can_fix(tmp_path, tally):
    nbs = tiny_course(tmp_path)
    a_file = tmp_path/'a_file'; a_file.write_text('x')
    broken = tmp_path/'broken'; broken.mkdir(); (broken/'04_broken.ipynb').write_text('{not json')
    bad_bank = tmp_path/'bank.json'; bad_bank.write_text('{"chapters": "no"}')
    empty_bank = tmp_path/'empty.json'; empty_bank.write_text(bank_json(dict(format=1, chapters=[])))
    cases = [
        (['run', '--nbs', tmp_path/'missing'], 'no course notebooks found'),
        (['run', '--nbs', tmp_path/'empty_dir'], 'no course notebooks found'),
        (['run', '--nbs', nbs, '--out', a_file], 'is a file, not a folder'),
        (['run', '--nbs', nbs, '--out', a_file/'sub'], 'cannot create the output folder'),
        (['run', '--nbs', broken, '--out', tmp_path/'o'], 'is not a readable notebook'),
        (['quiz', '--bank', tmp_path/'nope.json'], 'question bank'),
        (['quiz', '--bank', bad_bank], 'expected layout'),
        (['quiz', '--bank', empty_bank], 'holds no questions'),
    ]
    (tmp_path/'empty_dir').mkdir()
    nb4 = tmp_path/'only5'/'nbs'; nb4.mkdir(parents=True); shutil.copy(nbs/'05_tiny.ipynb', nb4)
    cases.append((['run', '--nbs', nb4, '--chapter', '4'], 'no notebook for chapter 4'))
    bank = tmp_path/'bank5.json'; bank.write_text(bank_json(build_bank(nb4)))
    cases.append((['quiz', '--bank', bank, '--chapter', '4'], 'no questions for chapter 4'))
    cases.append((['bank', '--check', '--nbs', nbs, '--bank', tmp_path/'nope.json'], 'is missing'))
    for args, msg in cases:
        rc, out, err = cli(*args)
        tally('bad_inputs')
        assert rc == 2, (args, rc, out, err)
        assert msg in err and err.startswith('fastbook-answers '), (args, err)
        no_traceback(out, err)

def test_installed_package_without_notebooks(tmp_path, tally):
    "A copy of the package alone (as pip installs it): `run` says where the notebooks are; `quiz` works from the shipped bank."
    site = tmp_path/'site'; shutil.copytree(ROOT/'fastbook_answers', site/'fastbook_answers', ignore=shutil.ignore_patterns('__pycache__'))
    work = tmp_path/'work'; work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site)); env.pop('FASTBOOK_ANSWERS_NBS', None)
    rc, out, err = cli('run', env=env, cwd=work)
    tally('bad_inputs')
    assert rc == 2 and 'no course notebooks found' in err and 'clone the repository' in err, err
    no_traceback(out, err)
    p = subprocess.run([sys.executable, '-c', 'import fastbook_answers.cli as c; print(c.__file__)'], env=env, cwd=work, capture_output=True, text=True)
    assert p.stdout.startswith(str(site)), p   # the copy, not the checkout, was imported
    rc, out, err = cli('quiz', env=env, cwd=work, stdin='\ny\n')
    assert rc == 0 and 'Score: 1/1 known (100%)' in out, (out, err)
    no_traceback(out, err)

# ---- the quiz, played through stdin ----
@pytest.fixture
def tiny_bank(tmp_path):
    p = tmp_path/'bank.json'; p.write_text(bank_json(build_bank(tiny_course(tmp_path))))
    return p

def test_quiz_session_through_stdin(tiny_bank):
    rc, out, err = cli('quiz', '--bank', tiny_bank, '--chapter', '5', stdin='\ny\n\nperhaps\nn\n')
    assert rc == 0, err
    assert '[1/2] Q5.1  What is log(1)?' in out and 'Zero: e to the power 0 is 1.' in out
    assert 'please answer y' in out
    assert out.rstrip().endswith('Score: 1/2 known (50%)\nRevisit:\n  Q5.2  Is log(-2) a real number?'), out[-300:]
    no_traceback(out, err)

def test_quiz_end_of_input_prints_summary_so_far(tiny_bank):
    rc, out, err = cli('quiz', '--bank', tiny_bank, stdin='\nn\n\n')   # EOF at "did you know it?" of the second card
    assert rc == 0 and 'Score: 0/1 known (0%); stopped with 3 question(s) not asked' in out and 'Q4.1  What is 2+2?' in out, out
    no_traceback(out, err)
    rc, out, err = cli('quiz', '--bank', tiny_bank, stdin='')            # EOF at once
    assert rc == 0 and 'Score: 0/0 known; stopped with 4 question(s) not asked' in out
    no_traceback(out, err)

def test_quiz_q_stops(tiny_bank):
    rc, out, err = cli('quiz', '--bank', tiny_bank, stdin='\ny\nq\n')
    assert rc == 0 and 'Score: 1/1 known (100%); stopped with 3' in out

def test_quiz_shuffle_is_seeded(tiny_bank):
    order = lambda out: [l.split()[1] for l in out.splitlines() if l.startswith('[')]
    outs = [cli('quiz', '--bank', tiny_bank, '--seed', s, stdin='\ny\n'*4)[1] for s in (1, 1, 2)]
    assert order(outs[0]) == order(outs[1]) and sorted(order(outs[0])) == ['FR4.1', 'Q4.1', 'Q5.1', 'Q5.2']
    course_order = order(cli('quiz', '--bank', tiny_bank, stdin='\ny\n'*4)[1])
    assert order(outs[0]) != order(outs[2]) and order(outs[0]) != course_order   # the seed really reorders (seeds 1 and 2 differ here)
    rc, out, err = cli('quiz', '--bank', tiny_bank, '--shuffle', stdin='')
    assert rc == 0 and '--seed ' in out   # an unseeded shuffle says how to replay it

def test_quiz_ctrl_c_prints_summary(tiny_bank):
    p = subprocess.Popen([str(FBA), 'quiz', '--bank', str(tiny_bank)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write('\ny\n'); p.stdin.flush()
    buf, t0 = '', time.time()
    while buf.count('(Enter to see the answer)') < 2 and time.time() - t0 < 60:   # wait for the second card's prompt
        if select.select([p.stdout], [], [], 1)[0]: buf += os.read(p.stdout.fileno(), 4096).decode()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    out = buf + out
    assert p.returncode == 0, (out, err)
    assert 'Score: 1/1 known (100%); stopped with 3 question(s) not asked' in out, out
    no_traceback(out, err)

# ---- run, on tiny notebooks in a real kernel ----
def test_run_one_chapter_passes(tmp_path):
    nbs = tiny_course(tmp_path)
    env = dict(os.environ, HOME=str(tmp_path))      # `--out=~/out`: the shell leaves the ~ to us
    rc, out, err = cli('run', '--nbs', nbs, '--chapter', 5, '--out=~/out', '--offline', env=env, timeout=300)
    assert rc == 0, (out, err)
    assert [l.split()[:3] for l in out.splitlines()[2:4]] == [['05_tiny.ipynb', '2/2', '2'], ['total', '2/2', '2']]
    assert f"executed notebooks and their HTML: {(tmp_path/'out').resolve()}" in out and (tmp_path/'out'/'05_tiny.ipynb').is_file()
    assert 'running 05_tiny.ipynb' in err and '05_tiny.ipynb: ok' in err
    no_traceback(out, err)

@pytest.mark.parametrize('question,demo,timeout,error', [
    ('What happens when the kernel dies?', 'import os\nassert True\nos._exit(1)', 60, 'DeadKernel'),
    ('What if a demo hangs?', 'import time\ntime.sleep(60)', 3, 'Timeout')], ids=['dying kernel', 'cell timeout'])
def test_run_reports_a_broken_demo(tmp_path, question, demo, timeout, error):
    "A kernel that dies, or a cell that outlives --timeout, is reported against its question; the runner does not hang or crash."
    nbs = tmp_path/'nbs'; nbs.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[md('# Chapter 4'), md(f'## 1. {question}\n\nThe runner reports it.'), code(demo)]),
                   nbs/'04_broken.ipynb')
    rc, out, err = cli('run', '--nbs', nbs, '--out', tmp_path/'out', '--timeout', timeout, timeout=300)
    assert rc == 1 and f"Q4.1 {question!r} raised {error}" in err, (out, err)
    no_traceback(out, err)

# ---- the question bank: every question of both questionnaires, each with an answer worth a card ----
EXPECTED = {4: (37, 2), 5: (23, 2)}   # questionnaire questions, further-research tasks

@pytest.mark.parametrize('chapter', CHAPTERS)
def test_bank_covers_the_questionnaire(chapter):
    ch = [c for c in load_bank()['chapters'] if c['chapter'] == chapter]
    assert ch, f'chapter {chapter} has no question headings'
    qs = ch[0]['questions']
    got = ([q['number'] for q in qs if q['kind'] == 'questionnaire'], [q['number'] for q in qs if q['kind'] == 'further research'])
    n_q, n_fr = EXPECTED[chapter]
    assert got == (list(range(1, n_q+1)), list(range(1, n_fr+1))), got
    short = [q['id'] for q in qs if len(q['answer']) < 40]
    assert not short, f'answers too short to show on a flashcard: {short}'


# ---- make lab: the README's first command, where learners run it (containers and cloud VMs run as root) ----
def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_make_lab_opens_the_course(tmp_path):
    "`make lab` starts JupyterLab on nbs/ (as root too, where Jupyter refuses to start without --allow-root), says which address to open, and the server answers there."
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path/'rt'), JUPYTER_CONFIG_DIR=str(tmp_path/'cfg'), BROWSER='true')
    p = subprocess.Popen(['make', '-s', '-C', str(ROOT), 'lab', f'LAB_PORT={port}'], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, t0, url = '', time.time(), None
        while url is None and time.time() - t0 < 120 and p.poll() is None:
            if select.select([p.stdout], [], [], 1)[0]:
                out += os.read(p.stdout.fileno(), 65536).decode()
                m = re.search(rf'http://(?:localhost|127\.0\.0\.1):{port}/lab\?token=\w+', out)
                url = m and m.group(0)
        assert url, f'no address printed within 120 s (exit status {p.poll()}):\n{out[-2000:]}'
        assert f'Open the http://localhost:{port}/lab?token=' in out      # our own line, before Jupyter's
        page, t0 = None, time.time()
        while page is None:             # the server prints its address a moment before it accepts connections
            try:
                with urllib.request.urlopen(url, timeout=30) as r: status, page = r.status, r.read().decode()
            except urllib.error.URLError:
                if time.time() - t0 > 60: raise
                time.sleep(0.5)
        assert status == 200 and 'JupyterLab' in page
        api = url.replace('/lab?token=', '/api/contents/?token=')
        with urllib.request.urlopen(api, timeout=30) as r: names = {f['name'] for f in json.loads(r.read())['content']}
        assert {'04_mnist_basics.ipynb', '05_pet_breeds.ipynb', 'index.ipynb'} <= names, names   # the course, not another folder
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        try: p.wait(timeout=30)
        except subprocess.TimeoutExpired: os.killpg(p.pid, signal.SIGKILL)
