"""The course's website (`make site`, `tools/build_site.py`): built from the committed notebooks, without running them,
then checked as a reader uses it:
every question on its chapter's page with its anchor, the contents tables linking to them, no broken internal link, no
missing image, every question findable with the site's own search, no path of the building machine on any page,
nothing loaded from the network. Each failure lists every problem it found (page, question, link).

The first tests check the checks: the preparation of the notebooks and `check_site` on small hand-made cases, so a
check that cannot fail would show here. `make site-check` opens the site in a real browser (tools/site_check.py)."""
import json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import build_site as bs

# ---------------------------------------------------------------- the preparation and the checks, on small cases

def _nb(*cells): return {'cells': list(cells), 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 4}
def _code(src, **md): return {'cell_type': 'code', 'source': src, 'metadata': md, 'outputs': [], 'execution_count': None}
def _md(src): return {'cell_type': 'markdown', 'source': src, 'metadata': {}}

def test_hidden_cells_are_left_out_or_collapsed():
    nb = _nb(_md('# Chapter 9: t'), _code('#| default_exp t'), _code('#| hide\nsecret = 1'),
             _code('#| export\nimport math'), _code('#| export\ndef f(x): return x'),
             _code('check = 2', jupyter={'source_hidden': True}), _code('shown = 3'))
    cells = bs.prepare_nb(nb, library=False)['cells']
    srcs = [c['source'] for c in cells]
    assert 'secret = 1' not in srcs and not any('default_exp' in s for s in srcs)       # left out
    assert not any('#|' in s for s in srcs)                                              # directives dropped
    tags = {c['source']: c['metadata'].get('tags', []) for c in cells if c['cell_type'] == 'code'}
    assert tags == {'import math': ['hide-input'], 'def f(x): return x': [], 'check = 2': ['hide-input'], 'shown = 3': []}

def test_library_notebooks_get_signatures_and_docs():
    code = ('#| export\ndef plot(f,           # the function\n         n:int=100,   # how many points\n'
            '         *, ax=None) -> float: # the answer\n    "Draw `f`."\n    return 1.0\n'
            'def _private(): pass\nclass Box:\n    "A box."\n    def __init__(self, w:int=2): self.w = w\n')
    cells = bs.prepare_nb(_nb(_md('## Plotting'), _code(code)), library=True)['cells']
    assert cells[1]['metadata']['tags'] == ['hide-input']                                 # the code behind a toggle
    docs = [c['source'] for c in cells[2:]]
    assert len(docs) == 2 and docs[0].startswith('### `plot`') and docs[1].startswith('### `Box`')
    assert 'plot(f, n:int=100, ax=None) -> float' in docs[0] and 'Draw `f`.' in docs[0]
    assert '| `n` | `int` | `100` | how many points |' in docs[0] and '| **Returns** | `float` | | the answer |' in docs[0]
    assert '__init__(w:int=2)' in docs[1] and 'A box.' in docs[1]

def test_questions_read_from_headings():
    nb = _nb(_md('# Chapter 4: x'), _md('## Questionnaire'), _md('<a id="q1"></a>'), _md('### 1. What is `SGD`?\n\nAn answer.'),
             _md('## Further research'), _md('### 1. Build a *thing*.'), _md('## About these demos'))
    assert [(q['id'], q['text']) for q in bs.questions(nb)] == [('q1', 'What is SGD?'), ('fr1', 'Build a thing.')]

def _page(path, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<html><head></head><body>{body}</body></html>')

def test_checks_catch_broken_links_missing_images_paths_and_remote_assets(tmp_path):
    "check_site on a hand-made site with one fault of each kind: each is reported, naming the page and the link."
    nbs, site = tmp_path/'nbs', tmp_path/'site'
    nbs.mkdir()
    (nbs/'index.ipynb').write_text(json.dumps(_nb(_md('# Home'))))
    (nbs/'04_x.ipynb').write_text(json.dumps(_nb(_md('# Chapter 7: x'), _md('[one](#q1)'), _md('<a id="q1"></a>'),
                                                  _md('## 1. What is one?'), _md('## 2. What is two?'))))
    _page(site/'index.html', '<a href="04_x.html#q1">ok</a> <a href="04_x.html#nowhere">bad id</a> <a href="gone.html">bad page</a>'
          '<img src="_images/missing.png"> <script src="https://cdn.example.org/x.js"></script>')
    _page(site/'04_x.html', '<a href="#q1">1</a><a id="q1"></a><h2>1. What is one?</h2>\n<p>/root/.fastai/data/x.png</p>\n'
          f'<h2>2. What is two?</h2>\n<p>{ROOT}/nbs</p>\n')
    (site/'searchindex.js').write_text('Search.setIndex(' + json.dumps({'docnames': ['04_x', 'index'], 'terms': {}, 'titleterms': {},
        'alltitles': {'1. What is one?': [[0, 'one']]}}) + ')')
    p = bs.check_site(site, nbs, queries={'two': '04_x'})
    assert p['links'] == ["index.html: link '04_x.html#nowhere': no id 'nowhere' on 04_x.html",
                          "index.html: link 'gone.html': no file gone.html"]
    assert p['images'] == ["index.html: image '_images/missing.png' does not exist"]
    assert p['offline'] == ['index.html: loads https://cdn.example.org/x.js']
    assert len(p['paths']) == 2 and all(x.startswith('04_x.html: ') for x in p['paths']), p['paths']
    assert p['questions'] == ["04_x.html: question 2: no anchor id 'q2' (a markdown cell <a id=\"q2\"></a> right before the heading)"]
    assert p['contents'] == ['04_x.html: question 2: the page has no link to #q2 (its contents table)']
    assert any("no title '2. What is two?'" in x for x in p['search']) and any("lacks ['what', 'one']" in x for x in p['search'])
    assert p['queries'] == ["search 'two' does not find 04_x.html"]

# ---------------------------------------------------------------- the real site

WHAT = {'questions': 'questions missing from their page, or without their anchor right before the heading',
        'contents': "questions that the page's contents table does not link to (#qN / #frN)",
        'links': 'broken internal links', 'images': 'missing images',
        'search': 'questions that the search index does not hold', 'queries': 'example searches that miss their page',
        'paths': 'places where a page shows a path of the machine that built it',
        'offline': 'assets loaded from the network'}

def test_the_site(tmp_path):
    """Build the site from nbs/ (one test, not one per check: under pytest-xdist a shared build would keep the other
    worker waiting) and check it: within 60 s, every notebook a page, the deck on the quiz page, About these demos on each
    chapter, math typeset by the site's own MathJax, no nbdev directive shown; then every check of `check_site`. The
    failure lists every problem of every check, by check."""
    r = bs.build(tmp_path/'site')
    site = tmp_path/'site'
    t0 = time.perf_counter()
    probs = bs.check_site(site, queries=bs.QUERIES)
    print(f"site built in {r['seconds']:.1f} s and checked in {time.perf_counter()-t0:.1f} s: {len(r['pages'])} pages; "
          f"{sum(map(len, probs.values()))} problem(s)")
    assert r['seconds'] <= 60, f"the site took {r['seconds']:.0f} s to build (budget 60 s)"
    index, chapters, library = bs.notebooks()
    assert {f'{p.stem}.html' for p in [index, *chapters, *library]} | {f'{bs.QUIZ_PAGE}.html'} <= set(r['pages'])
    assert r['deck'].startswith('64 notes') and list((site/'_downloads').rglob(bs.DECK)), r['deck']
    for p in chapters:
        heads = [e[1] for e in bs.parse_page(site/f'{p.stem}.html').events if e[0] == 'h']
        assert any(h.startswith('About these demos') for h in heads), (p.name, heads)
    assert (site/'_static'/'mathjax'/'tex-chtml.js').exists()
    assert 'class="math notranslate nohighlight"' in (site/'05_pet_breeds.html').read_text()
    for page in site.glob('*.html'):
        assert '#| ' not in page.read_text(), f'{page.name} shows an nbdev directive'
    failed = {k: v for k, v in probs.items() if v}
    assert not failed, f'the site has problems of {len(failed)} kind(s): {", ".join(failed)}\n' + '\n'.join(
        f'\n{k}: {len(v)} {WHAT[k]}:\n' + '\n'.join(f'  {x}' for x in v) for k, v in failed.items())
