"""The course's website (`make site`, `fastbook_answers.site`), built from the committed notebooks without running them,
in a process of its own (Sphinx), then checked as a reader uses it: every question on its chapter's page with its
anchor, the contents tables linking to them, no broken internal link, no missing image, every question findable with
the site's own search, the library's reference (from `show_doc`) on its pages, no path of the building machine,
nothing loaded from the network. The checks themselves are tested on small hand-made cases in nbs/03h_site.ipynb;
`make site-check` opens the site in a real browser (tools/site_check.py)."""
import re, time
from fastbook_answers import site as fs

WHAT = {'questions': 'questions missing from their page, or without their anchor right before the heading',
        'contents': "questions that the page's contents table does not link to (#qN / #frN)",
        'answers': 'questions that the answer sheet (answers.html) does not link to',
        'links': 'broken internal links', 'images': 'missing images',
        'search': 'questions that the search index does not hold', 'queries': 'example searches that miss their page',
        'api': 'exported functions and classes without their reference (show_doc) on their page',
        'paths': 'places where a page shows a path of the machine that built it',
        'offline': 'assets loaded from the network'}

def test_the_site(tmp_path):
    """Build the site from nbs/ (one test, not one per check: under pytest-xdist a shared build would keep the other
    worker waiting) and check it: within 60 s, every notebook a page, the deck on the quiz page, About these demos on each
    chapter, math typeset by the site's own MathJax, no nbdev directive shown; then every check of `check_site`. The
    failure lists every problem of every check, by check."""
    site = tmp_path/'site'
    r = fs.build(site)
    t0 = time.perf_counter()
    probs = fs.check_site(site, queries=fs.QUERIES)
    print(f"site built in {r['seconds']:.1f} s and checked in {time.perf_counter()-t0:.1f} s: {len(r['pages'])} pages; "
          f"{sum(map(len, probs.values()))} problem(s)")
    assert r['seconds'] <= 60, f"the site took {r['seconds']:.0f} s to build (budget 60 s)"
    index, chapters, library = fs.notebooks()
    assert {f'{p.stem}.html' for p in [index, *chapters, *library]} | {f'{fs.QUIZ_PAGE}.html', f'{fs.ANSWERS_PAGE}.html'} <= set(r['pages'])
    assert r['deck'].startswith('64 notes') and list((site/'_downloads').rglob(fs.DECK)), r['deck']
    for p in chapters:
        heads = [e[1] for e in fs.parse_page((site/f'{p.stem}.html').read_text())['events'] if e[0] == 'h']
        assert any(h.startswith('About these demos') for h in heads), (p.name, heads)
    assert (site/'_static'/'mathjax'/'tex-chtml.js').exists()
    assert 'class="math notranslate nohighlight"' in (site/'05_pet_breeds.html').read_text()
    for page in site.glob('*.html'):         # a directive line shown in code is a comment token starting `#|`
        assert not re.search(r'class="c1">#\s*\|', page.read_text()), f'{page.name} shows an nbdev directive'
    failed = {k: v for k, v in probs.items() if v}
    assert not failed, f'the site has problems of {len(failed)} kind(s): {", ".join(failed)}\n' + '\n'.join(
        f'\n{k}: {len(v)} {WHAT[k]}:\n' + '\n'.join(f'  {x}' for x in v) for k, v in failed.items())
