"""The quiz's memory as a learner meets it, in real processes: progress on disk survives Ctrl-C and end of input,
`--due` and `--stats` read it back in the next process, an unusable progress file is set aside, and a question bank of
its own keeps its progress beside itself."""
import json, os, select, signal, subprocess, time
from pathlib import Path
import pytest
from conftest import FBA, cli as _cli, no_traceback
from fastbook_answers.quiz import BANK_FORMAT, bank_json

DAY = '2026-01-05'   # the quiz's "today" in every test (`--today`), never the wall clock

def cli(*args, **kw):
    "`fastbook-answers ARGS` in a new process, which must not end in a traceback; (rc, stdout, stderr)."
    rc, out, err = _cli(*args, **kw); no_traceback(out, err)
    return rc, out, err

@pytest.fixture
def bank(tmp_path):
    "A question bank of three questions in two chapters."
    qs = lambda ch, *ns: [dict(id=f'Q{ch}.{n}', kind='questionnaire', number=n, question=f'Question {ch}.{n}?', answer=f'Answer {ch}.{n}.', why='',
                               points=[], mistakes=[]) for n in ns]
    p = tmp_path/'bank.json'
    p.write_text(bank_json(dict(format=BANK_FORMAT, chapters=[dict(chapter=4, notebook='04_a.ipynb', title='Chapter 4', questions=qs(4, 1, 2)),
                                                     dict(chapter=5, notebook='05_b.ipynb', title='Chapter 5', questions=qs(5, 1))])))
    return p

def quiz(bank, state, *args, stdin=''):
    return cli('quiz', '--bank', bank, '--state', state, '--today', DAY, *args, stdin=stdin)

def boxes(state): return {i: c['box'] for i, c in json.loads(Path(state).read_text())['cards'].items()}

def test_end_of_input_keeps_progress_and_due_reads_it(bank, tmp_path):
    st = tmp_path/'me'/'progress.json'
    rc, out, err = quiz(bank, st, stdin='\ny\n\nn\n\n')          # knew Q4.1, missed Q4.2, then end of input at Q5.1
    assert rc == 0 and 'Score: 1/2 known (50%); stopped with 1 question(s) not asked' in out, (out, err)
    assert boxes(st) == {'Q4.1': 2, 'Q4.2': 1}
    rc, out, err = quiz(bank, st, '--stats')
    assert rc == 0 and out.splitlines()[1].split() == ['chapter', '4', '2', '0', '2', '0', '1'], out
    assert 'next: 1 card(s) on 2026-01-06' in out and str(st) in out
    rc, out, err = quiz(bank, st, '--due', stdin='\ny\n\ny\n')     # today: the missed Q4.2 and the new Q5.1, not Q4.1
    assert rc == 0 and [l.split()[1] for l in out.splitlines() if l.startswith('[')] == ['Q4.2', 'Q5.1'], out
    assert boxes(st) == {'Q4.1': 2, 'Q4.2': 2, 'Q5.1': 2}
    rc, out, err = quiz(bank, st, '--due')
    assert rc == 0 and out.strip() == 'Nothing is due today. Next: 3 card(s) on 2026-01-06.', out
    rc, out, err = cli('quiz', '--bank', bank, '--state', st, '--today', '2026-01-20', '--due', stdin='\nn\n')   # all due again
    assert rc == 0 and '[1/3] Q4.1' in out and boxes(st)['Q4.1'] == 1

def test_ctrl_c_keeps_progress(bank, tmp_path, tally):
    st = tmp_path/'progress.json'
    p = subprocess.Popen([str(FBA), 'quiz', '--bank', str(bank), '--state', str(st), '--today', DAY],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write('\ny\n'); p.stdin.flush()
    buf, t0 = '', time.time()
    while buf.count('(Enter to see the answer)') < 2 and time.time() - t0 < 60:   # the second card's prompt: the first is saved
        if select.select([p.stdout], [], [], 1)[0]: buf += os.read(p.stdout.fileno(), 4096).decode()
    p.send_signal(signal.SIGINT); tally('faults_survived', 'Ctrl-C in the middle of a quiz')
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0 and 'Score: 1/1 known (100%)' in buf + out, (buf + out, err)
    assert boxes(st) == {'Q4.1': 2}

def test_unusable_progress_file_is_set_aside(bank, tmp_path, tally):
    st = tmp_path/'progress.json'; st.write_text('{"cards": [1, 2'); tally('faults_survived', 'a progress file cut short')
    rc, out, err = quiz(bank, st, stdin='\ny\n')
    assert rc == 0 and 'was not used: it is not valid JSON' in err and 'progress.json.bad-1' in err, err
    assert (tmp_path/'progress.json.bad-1').read_text() == '{"cards": [1, 2' and boxes(st) == {'Q4.1': 2}
    (tmp_path/'file').write_text('x')
    tally('faults_survived', 'a progress file that cannot be written')
    rc, out, err = quiz(bank, tmp_path/'file'/'progress.json', stdin='\ny\n')   # cannot be saved there: a message, exit 2
    assert rc == 2 and 'cannot save your quiz progress' in err, err

def test_default_progress_file_beside_a_custom_bank(bank, tmp_path):
    assert os.environ.get('FASTBOOK_ANSWERS_STATE')            # set for every test (conftest): a custom bank ignores it
    rc, out, err = cli('quiz', '--bank', bank, '--today', DAY, stdin='\nn\n')
    assert rc == 0 and boxes(tmp_path/'bank.progress.json') == {'Q4.1': 1}
    assert not os.path.exists(os.environ['FASTBOOK_ANSWERS_STATE'])
