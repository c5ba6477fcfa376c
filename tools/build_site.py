#!/usr/bin/env python3
"""Build the course's website into `_site/` (`make site`), from the committed, executed notebooks, without running them.

The notebooks in `nbs/` are the only source. This script copies them into a temporary build folder, marks there the
cells a reader need not read (`#| hide` and `#| default_exp` cells are left out; collapsed check cells and export
boilerplate get a "show" toggle), inserts the signature and documentation of each exported function after its cell in
the library notebooks (what nbdev's `show_doc` would render, which needs Quarto), cuts the quiz page out of
`nbs/index.ipynb`, writes Jupyter Book 1's `_config.yml` and `_toc.yml`, and builds the HTML with Sphinx and myst-nb
(`nb_execution_mode = "off"`): offline, MathJax served from the site itself. Then it checks the site (`check_site`)
and prints what it found; `tests/test_site.py` runs the same checks and fails on any problem.

usage: build_site.py [--out DIR] [--repo-url URL] [--strict]
  --out DIR       where the site goes (default: _site/ in the checkout; replaced whole)
  --repo-url URL  the repository's address (the Pages workflow passes it): a repository button on every page
  --strict        exit 1 if the checks find a problem (default: report them and exit 0)
"""
from __future__ import annotations
import argparse, ast, copy, functools, html, io, json, os, re, shutil, subprocess, sys, tempfile, time, tokenize
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
SITE = ROOT/'_site'
TITLE = 'fastbook_answers'
# The book's questionnaires: (questions, further-research tasks) per chapter; the site must hold every one.
EXPECTED = {4: (37, 2), 5: (23, 2)}
QUIZ_PAGE = 'quiz'

# ---------------------------------------------------------------- reading the notebooks

DIRECTIVE = re.compile(r'^#\s*\|\s*([\w-]+)(.*)$')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
NUMBERED = re.compile(r'^(\d+)\.\s+(.+)$')

def directives(src: str) -> dict[str, str]:
    "nbdev's `#| name args` lines at the top of a code cell, as {name: args}."
    out = {}
    for line in src.splitlines():
        m = DIRECTIVE.match(line.strip())
        if not m: break
        out[m[1]] = m[2].strip()
    return out

def strip_directives(src: str) -> str:
    "The cell's source without its leading `#|` lines."
    lines = src.splitlines()
    while lines and DIRECTIVE.match(lines[0].strip()): lines.pop(0)
    return '\n'.join(lines)

def src(cell) -> str: return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def read_nb(path: Path) -> dict: return json.loads(Path(path).read_text(encoding='utf-8'))

def md_headings(text: str):
    "(level, text) of each ATX heading of a markdown cell, outside code fences."
    fence = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(('```', '~~~')):
            fence = None if fence and s.startswith(fence) else (fence or s[:3])
            continue
        if fence: continue
        m = HEADING.match(line)
        if m: yield len(m[1]), m[2]

def plain(md: str) -> str:
    "A heading's markdown as the text a reader sees: no backticks, emphasis marks or link targets."
    md = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', md)
    md = re.sub(r'`([^`]*)`', r'\1', md)
    md = re.sub(r'(\*\*|__|\*)(.+?)\1', r'\2', md)
    return re.sub(r'\s+', ' ', md).strip()

def title_of(nb: dict) -> str:
    for c in nb['cells']:
        if c['cell_type'] == 'markdown':
            for lvl, t in md_headings(src(c)):
                if lvl == 1: return plain(t)
    return ''

def is_chapter(nb: dict) -> bool: return title_of(nb).lower().startswith('chapter')

def chapter_number(nb: dict) -> int | None:
    m = re.match(r'chapter\s+(\d+)', title_of(nb), re.I)
    return int(m[1]) if m else None

def notebooks(nbs: Path = NBS) -> tuple[Path, list[Path], list[Path]]:
    "The course's notebooks: (index, chapters, library notebooks), in file-name order."
    nbs = Path(nbs)
    found = sorted(p for p in nbs.glob('*.ipynb') if not p.name.startswith(('_', '.')) and p.stem != 'index')
    chapters = [p for p in found if is_chapter(read_nb(p))]
    return nbs/'index.ipynb', chapters, [p for p in found if p not in chapters]

def questions(nb: dict) -> list[dict]:
    """Every question of a chapter notebook: its anchor id (`qN`, or `frN` under "Further research"), number and text
    (as a reader sees it), from the numbered headings of the questionnaire's sections."""
    out, further = [], False
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        for lvl, t in md_headings(src(c)):
            if lvl <= 2 and not NUMBERED.match(t): further = 'further research' in t.lower()
            m = NUMBERED.match(t)
            if m and lvl in (2, 3):
                n = int(m[1])
                out.append(dict(id=f"{'fr' if further else 'q'}{n}", number=n, further=further, text=plain(m[2]), heading=plain(t)))
    return out

# ---------------------------------------------------------------- the library reference: signatures and docs

def _comments(code: str) -> dict[int, str]:
    "Comment text by line number (1-based)."
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT: out[tok.start[0]] = tok.string.lstrip('#').strip()
    except (tokenize.TokenError, IndentationError, SyntaxError): pass
    return out

def _arg_rows(fn: ast.FunctionDef, comments: dict[int, str], skip_self: bool) -> list[tuple[str, str, str, str]]:
    "(name, type, default, comment) of each argument; a comment on the argument's own line documents it (fastcore's docments)."
    a = fn.args
    pos = a.posonlyargs + a.args
    args = list(zip(pos, [None]*(len(pos)-len(a.defaults)) + list(a.defaults), ['']*len(pos)))
    if a.vararg: args.append((a.vararg, None, '*'))
    args += list(zip(a.kwonlyargs, a.kw_defaults, ['']*len(a.kwonlyargs)))
    if a.kwarg: args.append((a.kwarg, None, '**'))
    if skip_self and args and args[0][0].arg in ('self', 'cls'): args = args[1:]
    per_line = {}
    for arg, _, _ in args: per_line[arg.lineno] = per_line.get(arg.lineno, 0) + 1
    return [(pre+arg.arg, ast.unparse(arg.annotation) if arg.annotation is not None else '',
             ast.unparse(d) if d is not None else '', comments.get(arg.lineno, '') if per_line[arg.lineno] == 1 else '')
            for arg, d, pre in args]

def _signature(name: str, rows, returns: str, width: int = 72) -> str:
    "The call's signature on one line, or one argument a line where that is wider than `width`."
    parts = [f"{n}{':'+t if t else ''}{'='+d if d else ''}" for n, t, d, _ in rows]
    ret = f" -> {returns}" if returns else ''
    one = f"{name}({', '.join(parts)}){ret}"
    return one if len(one) <= width else f"{name}(\n" + ''.join(f"    {p},\n" for p in parts) + f"){ret}"

def doc_blocks(code: str, public: set[str] | None, level: int) -> list[str]:
    """Markdown documenting each public function and class that an export cell defines: a heading with its name, its
    signature, its docstring and a table of its arguments with their types, defaults and comments."""
    try: tree = ast.parse(code)
    except SyntaxError: return []
    comments, blocks = _comments(code), []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name.startswith('_'): continue
        if public is not None and node.name not in public: continue
        doc = ast.get_docstring(node) or ''
        if isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == '__init__'), None)
            bases = ', '.join(ast.unparse(b) for b in node.bases)
            rows = _arg_rows(init, comments, True) if init else []
            sig = (f"class {node.name}({bases})" if bases else f"class {node.name}") + (':\n' + _signature('__init__', rows, '') if init else '')
            if init and not doc: doc = ast.get_docstring(init) or ''
        else:
            rows = _arg_rows(node, comments, False)
            ret = ast.unparse(node.returns) if node.returns is not None else ''
            rows_ret = comments.get(node.returns.end_lineno, '') if node.returns is not None else ''
            sig = ('async ' if isinstance(node, ast.AsyncFunctionDef) else '') + _signature(node.name, rows, ret)
        md = [f"{'#'*level} `{node.name}`", '', '```python', sig, '```', '']
        if doc: md += [doc, '']
        if rows:
            cell = lambda s: s.replace('|', '\\|')
            md += ['| | **Type** | **Default** | **Details** |', '|---|---|---|---|']
            md += [f"| `{n}` | {'`'+cell(t)+'`' if t else ''} | {'`'+cell(d)+'`' if d else ''} | {cell(c)} |" for n, t, d, c in rows]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
                md.append(f"| **Returns** | `{cell(ret)}` | | {cell(rows_ret)} |")
            md.append('')
        blocks.append('\n'.join(md).strip())
    return blocks

def module_all(mod: str) -> set[str] | None:
    "The `__all__` of the exported module `fastbook_answers/<mod>.py` (None if there is no such file)."
    p = ROOT/'fastbook_answers'/(mod.replace('.', '/')+'.py')
    if not p.exists(): return None
    for node in ast.parse(p.read_text(encoding='utf-8')).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
            try: return set(ast.literal_eval(node.value))
            except ValueError: return None
    return None

# ---------------------------------------------------------------- preparing the notebooks for the site

def _tag(cell, *tags):
    md = cell.setdefault('metadata', {})
    md['tags'] = list(dict.fromkeys(list(md.get('tags', [])) + list(tags)))

def _only_imports(code: str) -> bool:
    try: body = ast.parse(code).body
    except SyntaxError: return False
    return bool(body) and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body)

def _md_cell(text: str) -> dict: return dict(cell_type='markdown', metadata={}, source=text)

LINK = re.compile(r'\]\((?:\./)?nbs/([\w.-]+\.ipynb)(#[^)]*)?\)')

def prepare_nb(nb: dict, library: bool) -> dict:
    """The notebook as the site shows it: `#| hide` and `#| default_exp` cells left out; collapsed check cells
    (`"jupyter": {"source_hidden": true}`) and export cells of imports behind a toggle, output shown; directive lines
    dropped; in a library notebook every export cell behind a toggle, followed by the documentation of what it defines."""
    nb = copy.deepcopy(nb)
    cells, level, mod = [], 1, None
    for c in nb['cells']:
        s = src(c)
        if c['cell_type'] == 'markdown':
            for lvl, _ in md_headings(s): level = lvl
            c['source'] = LINK.sub(lambda m: f"]({m[1]}{m[2] or ''})", s)
            cells.append(c); continue
        if c['cell_type'] != 'code': cells.append(c); continue
        d = directives(s)
        if 'default_exp' in d: mod = d['default_exp'].split()[0] if d['default_exp'] else None
        body = strip_directives(s)
        if 'hide' in d or 'default_exp' in d or (not body.strip() and not c.get('outputs')):
            continue                                          # nbdev's docs leave these out too
        c['source'] = body
        jup = c.get('metadata', {}).get('jupyter', {})
        exported = any(k in d for k in ('export', 'exporti', 'exports'))
        if jup.get('source_hidden'): _tag(c, 'hide-input')
        if jup.get('outputs_hidden'): _tag(c, 'hide-output')
        if exported and (library or _only_imports(body)) and 'exports' not in d: _tag(c, 'hide-input')
        cells.append(c)
        if library and exported and 'exporti' not in d:
            blocks = doc_blocks(body, module_all(mod) if mod else None, min(level+1, 6))
            cells += [_md_cell(b) for b in blocks]
    for i, c in enumerate(cells): c['id'] = f'c{i}'            # nbformat 4.5 wants cell ids
    nb['cells'], nb['nbformat'], nb['nbformat_minor'] = cells, 4, max(5, nb.get('nbformat_minor', 0))
    return nb

DECK = 'fastbook_answers.apkg'

def make_deck(dest: Path, nbs: Path = NBS) -> str:
    """Write the Anki deck of both chapters into `dest` with the course's own command (`fastbook-answers anki`), for the quiz
    page to offer; return what the command said, or '' (and say why) if the course is not installed here."""
    fba = Path(sys.executable).parent/'fastbook-answers'
    if not fba.exists(): print(f'build_site: no {fba.name} command in this environment: the quiz page offers no deck'); return ''
    p = subprocess.run([str(fba), 'anki', '--nbs', str(nbs), '--out', str(dest/DECK)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0 or not (dest/DECK).exists():
        print(f'build_site: fastbook-answers anki failed, the quiz page offers no deck:\n{p.stderr[-2000:]}'); return ''
    return p.stdout.splitlines()[0].split(': ', 1)[-1] if p.stdout.strip() else ''

def quiz_page(index: dict, deck: str = '') -> str:
    """The quiz page: a download link to the deck (when `deck`, what `fastbook-answers anki` said, is given), then the
    sections of the home page on the flashcards and the Anki deck, cut out of nbs/index.ipynb."""
    keep, out = False, []
    for c in index['cells']:
        if c['cell_type'] != 'markdown': continue
        for line in src(c).splitlines():
            m = HEADING.match(line)
            if m: keep = bool(re.search(r'quiz|flashcard|anki', m[2], re.I)) and len(m[1]) >= 3
            if keep: out.append(line)
        if keep: out.append('')
    if not out: raise SystemExit('build_site: nbs/index.ipynb has no section on the quiz or the Anki deck (a ### heading naming quiz, flashcards or Anki)')
    intro = ['# Quiz yourself: flashcards and an Anki deck', '',
             'Both questionnaires as flashcards: the front is a question, the back our short answer, then the why.', '']
    if deck: intro += [f'**The Anki deck, ready to import:** {{download}}`{DECK} <{DECK}>` ({deck}, made from the notebooks of '
                       'this site by `fastbook-answers anki`). In Anki desktop: **File > Import...**; in AnkiDroid: **Import** from '
                       'the menu; in AnkiMobile: open the file from Files.', '']
    intro += ['**The quiz in a terminal** remembers what you knew and asks again when a card is due. It needs the course '
              'installed: clone the repository and run `make lab` or `make test` once (the two commands of the '
              '[home page](index.ipynb)), then `.venv/bin/fastbook-answers quiz` in the checkout.', '',
              "The rest of this page is the home page's own description of both.", '']
    return '\n'.join(intro + [re.sub(r'^###', '##', l) for l in out]).rstrip() + '\n'

def write_book(dest: Path, nbs: Path = NBS, repo_url: str = '', deck: bool = True) -> dict:
    "Write the build folder: the prepared notebooks, the quiz page, `_config.yml` and `_toc.yml`; return what went where."
    index, chapters, library = notebooks(nbs)
    dest.mkdir(parents=True, exist_ok=True)
    idx = read_nb(index)
    (dest/'index.ipynb').write_text(json.dumps(prepare_nb(idx, library=False)), encoding='utf-8')
    for p in chapters: (dest/p.name).write_text(json.dumps(prepare_nb(read_nb(p), library=False)), encoding='utf-8')
    for p in library: (dest/p.name).write_text(json.dumps(prepare_nb(read_nb(p), library=True)), encoding='utf-8')
    made = make_deck(dest, nbs) if deck else ''
    (dest/f'{QUIZ_PAGE}.md').write_text(quiz_page(idx, made), encoding='utf-8')
    toc = ['format: jb-book', 'root: index', 'parts:', '- caption: The course', '  chapters:']
    toc += [f'  - file: {p.stem}' for p in chapters] + [f'  - file: {QUIZ_PAGE}']
    toc += ['- caption: The library', '  chapters:'] + [f'  - file: {p.stem}' for p in library]
    (dest/'_toc.yml').write_text('\n'.join(toc) + '\n', encoding='utf-8')
    config = {
        'title': TITLE, 'author': 'the fastbook_answers developers', 'copyright': '', 'only_build_toc_files': True,
        'exclude_patterns': ['_build', '**.ipynb_checkpoints'],
        'execute': {'execute_notebooks': 'off'},
        'parse': {'myst_enable_extensions': ['colon_fence', 'dollarmath', 'amsmath', 'linkify', 'substitution']},
        'html': {'use_repository_button': bool(repo_url), 'use_edit_page_button': False, 'use_issues_button': False,
                 'use_multitoc_numbering': False, 'home_page_in_navbar': True, 'extra_footer': 'Built from the notebooks in nbs/ by tools/build_site.py.'},
        'launch_buttons': {'notebook_interface': 'jupyterlab'},
        'sphinx': {'recursive_update': True,
                   'config': {'nb_execution_mode': 'off', 'html_show_copyright': False, 'html_show_sphinx': False,
                              'html_last_updated_fmt': None, 'smartquotes': False, # our own check_site tests every link in the HTML; myst cannot see the ids of raw-HTML anchors
                              'suppress_warnings': ['myst.header', 'myst.xref_missing'],
                              'nb_output_stderr': 'show', 'html_search_language': 'en',
                              'nb_render_text_lexer': 'text',         # outputs hold no ANSI colours: plain text, fast
                              'mathjax_path': 'mathjax/tex-chtml.js', # served by the site itself (copy_mathjax)
                              'html_theme_options': {'show_toc_level': 2}}},
    }
    if repo_url: config['repository'] = {'url': repo_url, 'path_to_book': 'nbs', 'branch': 'main'}
    (dest/'_config.yml').write_text(json.dumps(config, indent=1), encoding='utf-8')   # YAML reads JSON
    return dict(index=index, chapters=chapters, library=library, deck=made)

# ---------------------------------------------------------------- building

MATHJAX_PARTS = ('tex-chtml.js', 'output/chtml', 'input/tex/extensions', 'ui', 'a11y')

def copy_mathjax(static: Path):
    """MathJax 3 into the site's `_static/mathjax/`: the TeX-to-HTML bundle the pages load, its fonts and the parts it
    loads on demand (3 MB of the 24 MB that the sphinx-mathjax-offline package ships; a page needs nothing else)."""
    import importlib.util
    spec = importlib.util.find_spec('sphinx-mathjax-offline')
    if spec is None or not spec.origin: raise SystemExit('build_site: sphinx-mathjax-offline is not installed (`make install` installs it)')
    src = Path(spec.origin).parent/'static'/'mathjax'
    for part in MATHJAX_PARTS:
        dest = static/'mathjax'/part
        dest.parent.mkdir(parents=True, exist_ok=True)
        if (src/part).is_dir(): shutil.copytree(src/part, dest)
        else: shutil.copyfile(src/part, dest)

def one_of_each_script(page: Path):
    """Drop a `<script>` line of a page's head that repeats an earlier one: under Jupyter Book 1, sphinx-thebe 0.3.1 and
    sphinx-togglebutton add their inline settings twice, and the browser rejects the second `const THEBE_JS_URL`."""
    text = page.read_text(encoding='utf-8')
    head, sep, body = text.partition('</head>')
    seen, lines = set(), []
    for line in head.split('\n'):
        s = line.strip()
        if s.startswith('<script') and s.endswith('</script>'):
            if s in seen: continue
            seen.add(s)
        lines.append(line)
    if len(lines) < head.count('\n') + 1: page.write_text('\n'.join(lines) + sep + body, encoding='utf-8')

# Jupyter Book 1's own build (its `jupyter-book build` less the command line), in a fresh interpreter
SPHINX = """
import sys
sys.modules['rfc3987_syntax'] = None   # jsonschema without its IRI format checker: 2 s of parser building that no schema here uses
from jupyter_book.sphinx import build_sphinx
src, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = build_sphinx(src, out, noconfig=True, path_config=src + '/_config.yml', builder='html', keep_going=True, jobs=jobs, quiet=True,
                 confoverrides={'external_toc_path': src + '/_toc.yml', 'latex_individualpages': False})
if r != 0: print(f'build_sphinx: {r!r}', file=sys.stderr)
sys.exit(0 if r == 0 else 1)
"""

def build(out: Path = SITE, nbs: Path = NBS, repo_url: str = '', deck: bool = True, jobs: int = 1) -> dict:
    """Build the site into `out` (replaced whole). Returns {'seconds', 'warnings', 'pages'}; raises SystemExit with
    Sphinx's output if the build fails."""
    t0 = time.perf_counter()
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix='fba-site-') as tmp:
        book = Path(tmp)/'book'
        info = write_book(book, Path(nbs), repo_url, deck)
        cmd = [sys.executable, '-c', SPHINX, str(book), str(Path(tmp)/'html'), str(jobs)]
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, 'PYTHONWARNINGS': 'ignore'}, cwd=tmp)
        html = Path(tmp)/'html'
        if p.returncode != 0 or not (html/'index.html').exists():
            raise SystemExit(f'build_site: Sphinx failed (exit {p.returncode}):\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}')
        warnings = [l.replace(str(book)+'/', '') for l in (p.stdout + p.stderr).splitlines() if 'WARNING' in l or 'ERROR' in l]
        if out.exists(): shutil.rmtree(out)
        shutil.copytree(html, out)
        copy_mathjax(out/'_static')
    # the download button gives the committed notebook, directives and all, not our prepared copy
    for p in [info['index'], *info['chapters'], *info['library']]:
        s = out/'_sources'/p.name
        if s.exists(): shutil.copyfile(p, s)
    for page in out.glob('*.html'): one_of_each_script(page)
    (out/'.nojekyll').touch()
    pages = sorted(str(p.relative_to(out)) for p in out.glob('*.html'))
    return dict(seconds=time.perf_counter()-t0, warnings=warnings, pages=pages, **info)

# ---------------------------------------------------------------- checking

class _Page:
    "Ids, links, images, headings and remote assets of one HTML page (as Sphinx writes it: double-quoted attributes), in document order."
    TAG = re.compile(r'<(a|img|script|link|h[1-6]|[a-z][a-z0-9]*)\b([^>]*)>', re.I)
    ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
    def __init__(self, text: str = ''):
        self.ids, self.links, self.imgs, self.remote, self.events = set(), [], [], [], []
        for m in self.TAG.finditer(text):
            tag, a = m[1].lower(), {k.lower(): html.unescape(v) for k, v in self.ATTR.findall(m[2])}
            for k in ('id', 'name') if tag == 'a' else ('id',):
                if a.get(k): self.ids.add(a[k]); self.events.append(('id', a[k]))
            if tag == 'a' and 'href' in a: self.links.append(a['href'])
            if tag == 'img' and a.get('src'): self.imgs.append(a['src'])
            remote = lambda u: urlsplit(u).scheme in ('http', 'https')
            if tag in ('script', 'img') and a.get('src') and remote(a['src']): self.remote.append(a['src'])
            if tag == 'link' and a.get('href') and remote(a['href']) and a.get('rel') in ('stylesheet', 'preload'): self.remote.append(a['href'])
            if re.fullmatch(r'h[1-6]', tag):
                close = text.find(f'</{tag}>', m.end())
                inner = re.sub(r'<[^>]*>', '', text[m.end():close])
                self.events.append(('h', re.sub(r'\s+', ' ', html.unescape(inner)).replace('#', '').strip()))

def parse_page(path: Path) -> _Page: return _Page(Path(path).read_text(encoding='utf-8'))

def machine_paths() -> list[str]:
    "Paths of this machine that no page may show: the checkout, the home folder, root's and /work, the temp folder's, the venv."
    home = str(Path.home())
    cands = [str(ROOT), str(ROOT.resolve()), home if home not in ('/', '') else '', '/root/', '/work/', sys.prefix,
             str(Path(tempfile.gettempdir())/'tmp'), str(Path(tempfile.gettempdir())/'fba-site-')]
    return sorted({c for c in cands if c and len(c) > 4})

def load_searchindex(site: Path) -> dict:
    txt = (Path(site)/'searchindex.js').read_text(encoding='utf-8')
    return json.loads(txt[txt.index('(')+1:txt.rindex(')')])

@functools.lru_cache(None)
def _stemmer():
    import snowballstemmer
    from sphinx.search.en import english_stopwords
    return snowballstemmer.stemmer('porter').stemWord, english_stopwords

def search_terms(query: str) -> list[tuple[str, str]]:
    """(word, stem) of each term Sphinx's own search looks up for a query (its searchtools.js): words split at anything
    but letters, digits and '_', lower-cased, English stop words and bare numbers dropped, stemmed by the Porter stemmer."""
    stem, english_stopwords = _stemmer()
    words = [w.lower() for w in re.split(r'[^\w]+', query) if w]
    return [(w, stem(w)) for w in words if w not in english_stopwords and not w.isdigit()]

def docs_with(index: dict, word: str, stem: str) -> set[str]:
    "The pages whose text or titles hold a term, under its stem or, where the indexer kept it whole (a stem that is a stop word), as it is."
    found = set()
    for key in (stem, word):
        for table in ('terms', 'titleterms'):
            v = index[table].get(key, [])
            found |= {v} if isinstance(v, int) else set(v)
    return {index['docnames'][i] for i in found}

def search_docs(index: dict, query: str) -> set[str]:
    "The pages that hold every term of `query`, as Sphinx's search finds them."
    hits = None
    for w, st in search_terms(query):
        hits = docs_with(index, w, st) if hits is None else hits & docs_with(index, w, st)
    return hits or set()

def check_site(site: Path = SITE, nbs: Path = NBS, queries: dict | None = None) -> dict[str, list[str]]:
    """Check a built site; returns {check: [problems]} (all lists empty when it is sound):
    - questions: every question of each chapter on its page, with its anchor `qN`/`frN` right before its heading;
    - contents: the page links to every question's anchor (its contents table);
    - links: no internal link to a missing page or a missing id;
    - images: every image a page references exists, and each chapter shows as many images as its notebook's outputs;
    - search: the search index holds every question's heading, on its page, and each word of it;
    - queries: each example query finds the page of its question with the site's own search;
    - paths: no page or search entry holds a path of the machine that built it;
    - offline: no page loads a script, style or image from the network."""
    site, nbs = Path(site), Path(nbs)
    probs = {k: [] for k in ('questions', 'contents', 'links', 'images', 'search', 'queries', 'paths', 'offline')}
    index_nb, chapters, library = notebooks(nbs)
    pages = {p.relative_to(site).as_posix(): p for p in site.rglob('*.html') if '_static' not in p.parts}
    parsed = {k: parse_page(p) for k, p in pages.items()}
    for name, pg in parsed.items():
        for href in pg.links:
            u = urlsplit(href)
            if u.scheme or href.startswith(('mailto:', 'javascript:')) or href in ('#', ''): continue
            target = name if not u.path else (Path(name).parent/unquote(u.path)).as_posix()
            target = os.path.normpath(target)
            if target.endswith('/'): target += 'index.html'
            if not (site/target).exists(): probs['links'].append(f'{name}: link {href!r}: no file {target}'); continue
            frag = unquote(u.fragment)
            if frag and target.endswith('.html') and frag not in parsed.get(target, _Page()).ids:
                probs['links'].append(f'{name}: link {href!r}: no id {frag!r} on {target}')
        for s in pg.imgs:
            u = urlsplit(s)
            if u.scheme in ('http', 'https', 'data'): continue
            if not (site/os.path.normpath((Path(name).parent/unquote(u.path)).as_posix())).is_file():
                probs['images'].append(f'{name}: image {s!r} does not exist')
        probs['offline'] += [f'{name}: loads {r}' for r in pg.remote]
    idx = load_searchindex(site) if (site/'searchindex.js').exists() else None
    if idx is None: probs['search'].append('no searchindex.js')
    alltitles = {plain(t): {idx['docnames'][d] for d, _ in v} for t, v in idx['alltitles'].items()} if idx else {}
    for p in chapters:
        nb, page = read_nb(p), f'{p.stem}.html'
        ch, qs = chapter_number(nb), questions(nb)
        if ch in EXPECTED:
            nq, nfr = EXPECTED[ch]
            got = (sum(not q['further'] for q in qs), sum(q['further'] for q in qs))
            if got != (nq, nfr): probs['questions'].append(f'{p.name}: {got[0]} questions and {got[1]} further-research tasks, the book has {nq} and {nfr}')
        pg = parsed.get(page)
        if pg is None: probs['questions'].append(f'{p.name}: no page {page}'); continue
        heads = [i for i, e in enumerate(pg.events) if e[0] == 'h']
        for q in qs:
            label = f"{page}: {'further research' if q['further'] else 'question'} {q['number']}"
            hits = [i for i, e in enumerate(pg.events) if e == ('h', q['heading'])]
            if not hits: probs['questions'].append(f"{label}: no heading {q['heading']!r}"); continue
            at = [i for i, e in enumerate(pg.events) if e == ('id', q['id'])]
            if not at: probs['questions'].append(f"{label}: no anchor id {q['id']!r} (a markdown cell <a id=\"{q['id']}\"></a> right before the heading)")
            else:
                nxt = next((i for i in heads if i > at[0]), None)
                if nxt != hits[0]: probs['questions'].append(f"{label}: anchor {q['id']!r} is not right before the question's heading")
            if f"#{q['id']}" not in pg.links: probs['contents'].append(f"{label}: the page has no link to #{q['id']} (its contents table)")
            if idx is not None:
                if page[:-5] not in alltitles.get(q['heading'], set()): probs['search'].append(f"{label}: the search index has no title {q['heading']!r} on this page")
                missing = [w for w, st in search_terms(q['text']) if page[:-5] not in docs_with(idx, w, st)]
                if missing: probs['search'].append(f"{label}: the search index lacks {missing} on this page")
        n_fig = sum(1 for c in nb['cells'] if c['cell_type'] == 'code' and 'hide' not in directives(src(c))
                    for o in c.get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))
        n_img = sum(1 for s in pg.imgs if '_images/' in s)
        if n_img < n_fig: probs['images'].append(f'{page}: {n_img} images on the page, {n_fig} figures in {p.name}')
    for q, page in (queries or {}).items():
        if idx is not None and page not in search_docs(idx, q): probs['queries'].append(f'search {q!r} does not find {page}.html')
    bad = re.compile('|'.join(map(re.escape, machine_paths())))
    for f in sorted(site.rglob('*')):
        if not f.is_file() or '_static' in f.parts or f.suffix not in ('.html', '.js', '.ipynb', '.txt', '.md', '.json'): continue
        seen = set()
        for m in bad.finditer(f.read_text(encoding='utf-8', errors='replace')):
            start, end = m.string.rfind('\n', 0, m.start())+1, m.string.find('\n', m.end())
            line = m.string[start:end if end >= 0 else None]
            if line in seen: continue
            seen.add(line)
            ctx = m.string[max(start, m.start()-60):m.start()+120 if end < 0 else min(end, m.start()+120)]
            probs['paths'].append(f'{f.relative_to(site)}: {m[0]!r} in {plain(re.sub("<[^>]*>?", " ", re.sub("^[^<]*>", "", ctx)))!r}')
    return probs

# the questions a learner might type, and the page that must answer them (the examples)
QUERIES = {'softmax': '05_pet_breeds', 'learning rate finder': '05_pet_breeds', 'log(-2)': '05_pet_breeds',
           'resnet50': '05_pet_breeds', 'broadcasting': '04_mnist_basics', 'sigmoid': '04_mnist_basics'}

def report(probs: dict[str, list[str]]) -> str:
    lines = []
    for k, v in probs.items():
        lines.append(f'{k:9s} {"ok" if not v else f"{len(v)} problem(s)"}')
        lines += [f'    {x}' for x in v[:40]] + ([f'    ... and {len(v)-40} more'] if len(v) > 40 else [])
    return '\n'.join(lines)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', type=Path, default=SITE)
    ap.add_argument('--repo-url', default=os.environ.get('FBA_REPO_URL', ''))
    ap.add_argument('--strict', action='store_true')
    ap.add_argument('--no-deck', action='store_true', help="don't offer the Anki deck on the quiz page")
    a = ap.parse_args(argv)
    r = build(a.out, repo_url=a.repo_url, deck=not a.no_deck)
    print(f"built {len(r['pages'])} pages into {a.out} in {r['seconds']:.1f} s "
          f"({len(r['chapters'])} chapters, {len(r['library'])} library notebooks); {len(r['warnings'])} Sphinx warning(s)"
          + (f"; the Anki deck: {r['deck']}" if r['deck'] else ''))
    for w in r['warnings'][:30]: print('   ', w)
    probs = check_site(a.out, queries=QUERIES)
    n = sum(map(len, probs.values()))
    print(f'checks of the site: {"all passed" if not n else f"{n} problem(s)"}\n{report(probs)}')
    if n and a.strict: sys.exit(1)

if __name__ == '__main__': main()
