#!/usr/bin/env python3
"""Open the built site in a real browser, as a reader would (`make site-check`, after `make site`).

Playwright for Python drives the Chromium installed on this machine (`playwright install` needs the network; Debian's
`chromium` package does not). The site is served from a local `http.server` on a free loopback port. The check:
  1. loads the home page;
  2. types a question's words into the site's search box (default "learning rate finder") and reads the results;
  3. follows the first result to its chapter page;
  4. clicks the question's entry (`#qN`) in the page's contents table, and sees its heading scrolled into view;
  5. checks that a figure of that chapter is drawn (loaded, with a non-zero size) and that the math is typeset;
  6. saves screenshots of the chapter page (at the question, and at the figure) in _site_check/.
It also types the issue's other example searches and says where their question's page ranks, and notes every request
that left the local server (there must be none). Exit 1 if a step fails; without a browser it says how to get one and
exits 0 (skipped).

usage: site_check.py [--site DIR] [--out DIR] [--query WORDS] [--page CHAPTER]
"""
from __future__ import annotations
import argparse, functools, http.server, shutil, sys, threading
from pathlib import Path

from fastbook_answers import site as fs
from fastbook_answers.course import checkout_path, read_notebook
from fastbook_answers.questions import anchor_id, question_sections

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run']
INSTALL = ('No Chromium on this machine: the browser check needs one (Playwright cannot download its own here).\n'
           '  Debian or Ubuntu:  sudo apt-get install -y chromium   (as root: apt-get install -y chromium)\n'
           'then run `make site-check` again. Browser check skipped.')

def browser() -> str | None:
    for name in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'):
        if shutil.which(name): return shutil.which(name)
    return None

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def serve(site: Path):
    "A local HTTP server on a free loopback port, serving `site` from a thread; returns (server, base URL)."
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

def question_for(query: str, page: str) -> dict | None:
    "The first question of the chapter `page` whose text holds every word of `query` (as the search matches them)."
    nb = next((p for p in fs.notebooks()[1] if p.stem == page), None)
    if nb is None: return None
    want = {st for _, st in fs.search_terms(query)}
    for q in question_sections(read_notebook(nb)):
        if want <= {st for _, st in fs.search_terms(q['question'])}:
            return dict(q, id=anchor_id(q), heading=fs._plain(q['text']))
    return None

class Report:
    def __init__(self): self.failed = 0
    def __call__(self, ok: bool, what: str):
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'}  {what}", flush=True)
        return ok

def search(pg, base: str, query: str) -> list[str]:
    "Type `query` into the site's search box on the home page, press Enter; return the result links' pages, best first."
    pg.goto(base + 'index.html')
    pg.locator('button.search-button-field:visible, button.search-button:visible').first.click()
    box = pg.locator('#pst-search-dialog input[type=search]')
    box.wait_for(state='visible', timeout=10_000)
    box.fill(query); box.press('Enter')
    pg.wait_for_url('**/search.html*', timeout=15_000)
    pg.wait_for_function("() => { const s = document.querySelector('#search-results'); "
                         "return s && (s.querySelector('ul.search li') || /did not match|no results|found 0/i.test(s.textContent)) && "
                         "!/Preparing search/i.test(s.textContent) }", timeout=20_000)
    pg.wait_for_timeout(300)                              # Sphinx adds results one by one: let it finish
    return [h.split('?')[0].split('#')[0] for h in pg.eval_on_selector_all('#search-results ul.search li > a', 'els => els.map(e => e.getAttribute("href"))')]

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--site', type=Path, default=checkout_path()/'_site')
    ap.add_argument('--out', type=Path, default=checkout_path()/'_site_check')
    ap.add_argument('--query', default='learning rate finder', help="the question's words to search for")
    ap.add_argument('--page', default=None, help='the chapter page that must come first (default: the one fs.QUERIES names)')
    a = ap.parse_args(argv)
    exe = browser()
    if exe is None: print(INSTALL); return 0
    try: from playwright.sync_api import sync_playwright
    except ImportError:
        print('Playwright for Python is not installed: `make install` (the [dev] extra) installs it. Browser check skipped.'); return 0
    if not (a.site/'index.html').exists():
        print(f'No site in {a.site}: run `make site` first.'); return 1
    page_name = a.page or fs.QUERIES.get(a.query, '')
    q = question_for(a.query, page_name) if page_name else None
    a.out.mkdir(parents=True, exist_ok=True)
    ok, srv = Report(), None
    srv, base = serve(a.site)
    outside = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, headless=True, args=FLAGS)
            pg = b.new_page(viewport={'width': 1280, 'height': 900})
            pg.on('request', lambda r: outside.append(r.url) if not r.url.startswith((base, 'data:', 'blob:', 'about:')) else None)
            errors, missing = [], []
            pg.on('pageerror', lambda e: errors.append(str(e)))
            pg.on('response', lambda r: missing.append(f'{r.status} {r.url[len(base):]}') if r.status >= 400 else None)
            print(f'{b.browser_type.name} {b.version} ({exe}), the site served at {base}')

            # 1. the home page
            pg.goto(base + 'index.html')
            h1 = pg.locator('article h1').first
            ok(h1.is_visible() and 'fastbook_answers' in h1.inner_text(), f'home page loads: {pg.title()!r}')
            chapters = pg.eval_on_selector_all('nav a.reference.internal', 'els => els.map(e => e.getAttribute("href"))')
            ok(all(f'{c.stem}.html' in chapters for c in fs.notebooks()[1]), f'the navigation links every chapter ({len(chapters)} entries)')

            # 2-3. search, the first result
            results = search(pg, base, a.query)
            ok(bool(results), f'search {a.query!r}: {len(results)} result(s), first {results[:3]}')
            if not results: return 1
            first = results[0]
            if page_name: ok(first == f'{page_name}.html', f'the first result is the page of the question ({page_name}.html)')
            pg.locator('#search-results ul.search li > a').first.click()
            pg.wait_for_load_state('load')
            chapter = pg.url.split('/')[-1].split('?')[0].split('#')[0]
            ok(chapter == first, f'followed the first result to {chapter} ({pg.title()!r})')

            # 4. the question's entry in the page's contents table, to its heading
            if q is None:
                ok(False, f'no question of {page_name or chapter} holds the words {a.query!r}')
                heading = None
            else:
                heading = pg.locator('h1, h2, h3, h4').filter(has_text=q['heading']).first
                link = pg.locator(f'article a[href="#{q["id"]}"]').first
                if ok(link.count() == 1, f'the contents table links question {q["number"]} as #{q["id"]} ({q["text"][:60]!r})'):
                    link.click()
                else:                                              # still show where the heading is: the theme's own contents
                    print(f'      (the page has no link to #{q["id"]}: its contents table still uses another anchor form; '
                          'going on with the contents sidebar of the theme)')
                    pg.locator('.bd-toc a, #pst-page-toc-nav a, .page-toc a').filter(has_text=q['heading'][:40]).first.click()
                pg.wait_for_timeout(800)
                box = heading.bounding_box()
                ok(box is not None and 0 <= box['y'] < 900 * 0.5,
                   f"the heading {q['heading'][:50]!r} is in view at the top of the window (y = {box and round(box['y'])} px, url {pg.url.split('/')[-1]!r})")
                pg.screenshot(path=str(a.out/'chapter.png'))

            # 5. a figure of the chapter, drawn; the math typeset
            figs = pg.locator('article img[src*="_images/"]')
            n = figs.count()
            ok(n > 0, f'{chapter} shows {n} figures')
            if n:
                fig = figs.first
                if heading is not None and heading.count():       # a figure of the question's own section, if it has one
                    own = heading.locator('xpath=ancestor::section[1]').locator('img[src*="_images/"]')
                    if own.count(): fig = own.first
                fig.scroll_into_view_if_needed()
                pg.wait_for_timeout(300)
                size = fig.evaluate('e => [e.complete, e.naturalWidth, e.naturalHeight, e.getBoundingClientRect().width, e.getBoundingClientRect().height]')
                ok(size[0] and min(size[1:]) > 0, f'a figure is drawn: {fig.get_attribute("src")} ({size[1]}x{size[2]} px, shown at {size[3]:.0f}x{size[4]:.0f})')
                pg.screenshot(path=str(a.out/'figure.png'))
            if pg.locator('.math').count():
                pg.wait_for_function('() => document.querySelectorAll("mjx-container").length > 0', timeout=15_000)
                ok(True, f'math typeset by the site\'s own MathJax: {pg.locator("mjx-container").count()} formulas')

            # the example searches, and what left the local server
            for query, want in fs.QUERIES.items():
                res = search(pg, base, query)
                rank = res.index(f'{want}.html') + 1 if f'{want}.html' in res else None
                ok(rank is not None, f'search {query!r}: {want}.html is result {rank} of {len(res)}')
            ok(not outside, f'requests that left the local server: {len(outside)} {outside[:3]}')
            ok(not missing, f'requests the local server could not answer: {len(missing)} {missing[:3]}')
            ok(not errors, f'JavaScript errors: {len(errors)} {errors[:2]}')
            b.close()
    finally:
        srv.shutdown()
    print(f"screenshots: {a.out/'chapter.png'}, {a.out/'figure.png'}")
    print('browser check: ' + ('all steps passed' if not ok.failed else f'{ok.failed} step(s) failed'))
    return 1 if ok.failed else 0

if __name__ == '__main__': sys.exit(main())
