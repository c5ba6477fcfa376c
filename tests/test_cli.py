"""The `fastbook-answers` console script as a learner meets it, in its own process: it answers bad usage and `--version`;
an installed package without the notebooks says where they are and still quizzes; the quiz through a real stdin;
`run` when a kernel dies or a cell hangs; and `make lab` answering on its port. (What the command does in-process,
every bad command line and every problem a learner can fix included, is tested in nbs/03i_cli.ipynb; end of input
and Ctrl-C in the quiz, with the progress they keep, in tests/test_quiz_memory.py.)"""
import json, os, re, shutil, signal, socket, subprocess, sys, time, select, urllib.request
from pathlib import Path
import pytest
from conftest import ROOT, FBA, cli, no_traceback
from fastbook_answers.course import CHAPTERS, demo_course, import_nbformat
from fastbook_answers.quiz import build_bank, bank_json
nbformat = import_nbformat()

def test_console_script_answers_usage_and_version(tally):
    tally('bad_inputs', 'the console script with an unknown chapter')
    rc, out, err = cli('quiz', '--chapter', '7')
    assert rc == 2 and err.startswith('usage: fastbook-answers quiz') and 'invalid choice' in err, (rc, err)
    no_traceback(out, err)
    rc, out, _ = cli('--version'); assert rc == 0 and out.startswith('fastbook-answers 0.')

def test_installed_package_without_notebooks(tmp_path, tally):
    "A copy of the package alone (as pip installs it): `run` says where the notebooks are; `quiz` works from the shipped bank."
    site = tmp_path/'site'; shutil.copytree(ROOT/'fastbook_answers', site/'fastbook_answers', ignore=shutil.ignore_patterns('__pycache__'))
    work = tmp_path/'work'; work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site)); env.pop('FASTBOOK_ANSWERS_NBS', None)
    tally('bad_inputs', 'run without the notebooks')
    rc, out, err = cli('run', env=env, cwd=work)
    assert rc == 2 and 'no course notebooks found' in err and 'clone the repository' in err, err
    no_traceback(out, err)
    p = subprocess.run([sys.executable, '-c', 'import fastbook_answers.cli as c; print(c.__file__)'], env=env, cwd=work, capture_output=True, text=True)
    assert p.stdout.startswith(str(site)), p   # the copy, not the checkout, was imported
    rc, out, err = cli('quiz', env=env, cwd=work, stdin='\ny\n')
    assert rc == 0 and 'Score: 1/1 known (100%)' in out, (out, err)
    no_traceback(out, err)

def test_quiz_session_through_stdin(tmp_path):
    "A whole session typed on stdin: the short answer on Enter, the why on `w`, a typo, then the score and the list to revisit."
    bank = tmp_path/'bank.json'; bank.write_text(bank_json(build_bank(demo_course(tmp_path))))
    rc, out, err = cli('quiz', '--bank', bank, '--chapter', '4', stdin='\nw\ny\n\nperhaps\nn\n')
    assert rc == 0, err
    assert '[1/2] Q4.1  What is 2+2?' in out and 'Four, by the definition of addition.' in out and 'Adding one four times' in out
    assert 'please answer y' in out
    assert out.rstrip().endswith('Score: 1/2 known (50%)\nRevisit:\n  FR4.1  Sum 1..100.'), out[-300:]
    no_traceback(out, err)

@pytest.mark.parametrize('question,demo,timeout,error', [
    ('What happens when the kernel dies?', 'import os\nassert True\nos._exit(1)', 60, 'DeadKernel'),
    ('What if a demo hangs?', 'import time\ntime.sleep(60)', 3, 'Timeout')], ids=['dying kernel', 'cell timeout'])
def test_run_reports_a_broken_demo(tmp_path, question, demo, timeout, error, tally):
    "A kernel that dies, or a cell that outlives --timeout, is reported against its question; the runner does not hang or crash."
    nbs = tmp_path/'nbs'; nbs.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Chapter 4'),
        nbformat.v4.new_markdown_cell(f'## 1. {question}\n\nThe runner reports it.'), nbformat.v4.new_code_cell(demo)]), nbs/'04_broken.ipynb')
    tally('faults_survived', f'a demo whose {"kernel dies" if error == "DeadKernel" else "cell hangs"}')
    env = dict(os.environ, HOME=str(tmp_path))      # `--out=~/out`: the shell leaves the ~ to us
    rc, out, err = cli('run', '--nbs', nbs, '--out=~/out', '--timeout', timeout, env=env, timeout=300)
    tally('notebook_runs', f'a broken demo ({error})')
    assert rc == 1 and f"Q4.1 {question!r} raised {error}" in err, (out, err)
    assert f"executed notebooks and their HTML: {(tmp_path/'out').resolve()}" in out and (tmp_path/'out'/'04_broken.ipynb').is_file()
    no_traceback(out, err)

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
        assert {c.notebook for c in CHAPTERS.values()} | {'index.ipynb'} <= names, names   # the course, not another folder
        st = url.replace('/lab?token=', '/lab/api/settings/@jupyterlab/notebook-extension:tracker?token=')
        with urllib.request.urlopen(st, timeout=30) as r: schema = json.loads(r.read())['schema']
        assert schema['properties']['windowingMode']['default'] == 'none'     # contents links reach far questions (see the Makefile)
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        try: p.wait(timeout=30)
        except subprocess.TimeoutExpired: os.killpg(p.pid, signal.SIGKILL)
