"""Bad input at the library's boundary: every public function of the modules a reader calls with their own input
(the data loaders, the model constructors, the notebook reader and runner, the quiz and its bank, the deck) answers
a value it cannot use with an error whose message says what is wrong, never a silent wrong answer. Helpers that
take a path are given real bad paths (a missing one, a file of junk), and the message must name that path, so
that the probe proves something about them rather than about `Path()`'s own TypeError. (The chapters' teaching
helpers keep their bodies short on purpose and are not probed; their few checks are shown in the notebooks.)"""
import importlib, inspect, warnings
import pytest
from fastbook_answers.notebooks import CourseError

MODULES = ['core', 'data', 'models', 'notebooks', 'quiz', 'anki', 'cli']
SKIP = {'cli.main',             # takes argv: tested as a command line in test_cli.py
        'notebooks.chapter_of', # parses a file *name*; a missing file is no error for it
        'notebooks.kernel_env', # takes only optional settings
        'quiz.state_path'}      # resolves where progress goes; a file that does not exist yet is its normal case
PATHISH = {'path', 'folder', 'root', 'nbs', 'fname'}   # read from; a destination (`dest`) may well not exist yet
ERRORS = (TypeError, ValueError, FileNotFoundError, NotADirectoryError, PermissionError, CourseError)

class _Bad:
    "A value no helper can accept: not a number, a string, a path, a tensor or a notebook."
    def __repr__(self): return '<bad input>'

def _public_functions():
    out = []
    for m in MODULES:
        mod = importlib.import_module(f'fastbook_answers.{m}')   # a module that does not import is a failure, not a skip
        for name in mod.__all__:
            f = getattr(mod, name)
            if inspect.isfunction(f) and f'{m}.{name}' not in SKIP: out.append(pytest.param(f, id=f'{m}.{name}'))
    return out

def _required(f):
    return [p for p in inspect.signature(f).parameters.values() if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

@pytest.mark.parametrize('f', _public_functions())
def test_bad_input_gets_a_clear_error(f, tmp_path, monkeypatch, capsys, tally):
    monkeypatch.setenv('FASTBOOK_ANSWERS_DATA', str(tmp_path/'cache'))
    params = list(inspect.signature(f).parameters.values())
    if not params or params[0].kind in (params[0].VAR_POSITIONAL, params[0].VAR_KEYWORD): pytest.skip('takes no single input to spoil')
    req = _required(f)
    if params[0].name in PATHISH and len(req) <= 1:     # a path is its one input: spoil it with real bad paths
        junk = tmp_path/'junk.txt'; junk.write_text('{not what you expected')
        for bad in (tmp_path/'missing', junk):
            tally('bad_inputs')
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                try: res = f(bad, *[_Bad()]*(len(req)-1))
                except ERRORS as e: msg = str(e)
                else:   # a function that reports instead of raising: a list of problems, or an exit status with a message
                    err = capsys.readouterr().err
                    assert res and (isinstance(res, list) or isinstance(res, int) and res != 0), f'{f.__name__}({bad}) returned {res!r}'
                    msg = ' '.join(map(str, res)) if isinstance(res, list) else err
            assert bad.name in msg, f'{f.__name__}({bad}): the message does not name the path: {msg!r}'
        return
    tally('bad_inputs')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ERRORS) as e: f(*[_Bad()]*max(len(req), 1))
    assert str(e.value).strip(), f'{f.__name__} raised {type(e.value).__name__} without a message'

def test_quiz_session_bad_input(tally):
    from fastbook_answers.quiz import quiz_session
    for bad in (_Bad(), 3):
        tally('bad_inputs')
        with pytest.raises(TypeError): quiz_session(bad, inp=lambda p: '', out=lambda s: None)
