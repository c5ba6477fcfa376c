"""`tools/export_check.py`, `make test`'s first step, as a maintainer meets it: it finds a hand edit of the library
without overwriting it, and an API reference (committed `show_doc` outputs, which the website shows) gone stale."""
import importlib.util, json, shutil
import pytest
from conftest import ROOT, NBS

def _tool():
    spec = importlib.util.spec_from_file_location('export_check', ROOT/'tools'/'export_check.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_a_hand_edit_is_named_not_overwritten(tmp_path):
    ec = _tool()
    new = ec.exported(tmp_path)
    before = (ec.LIB/'core.py').read_text()
    assert ec.differences(new) == []                                    # the committed library is in sync
    (new/'core.py').write_text(before + '\n# a hand edit\n')          # as if core.py had been edited by hand
    assert ec.differences(new) == ['fastbook_answers/core.py: differs from what its notebook exports']
    assert (ec.LIB/'core.py').read_text() == before                     # the library itself is untouched

def _nb_with(tmp_path, edit):
    "A copy of nbs/ holding only 00b_core.ipynb, its `show_doc(gained_lost)` output changed by `edit`."
    nbs = tmp_path/'nbs'; nbs.mkdir()
    nb = json.loads((NBS/'00b_core.ipynb').read_text())
    cell = next(c for c in nb['cells'] if ''.join(c['source']).strip() == 'show_doc(gained_lost)')
    edit(cell)
    (nbs/'00b_core.ipynb').write_text(json.dumps(nb))
    return nbs

def test_the_api_reference_is_current():
    assert _tool().stale_api_docs() == []

@pytest.mark.parametrize('what, edit', [
    ('an old docstring or signature', lambda c: c['outputs'][0]['data'].update({'text/plain': ['def gained_lost(before, after)']})),
    ('an old docstring or signature', lambda c: c.update(outputs=[])),
    ('an object the module no longer has', lambda c: c.update(source=['show_doc(gone_helper)']))])
def test_a_stale_api_reference_is_named(tmp_path, what, edit):
    assert _tool().stale_api_docs(_nb_with(tmp_path, edit)) == [f'nbs/00b_core.ipynb: show_doc({"gone_helper" if "no longer" in what else "gained_lost"}) shows {what}']
