#!/usr/bin/env python3
"""Does a contents link reach its question in JupyterLab? A real JupyterLab (this venv's, on a free loopback port, in
a temporary folder) opened in the machine's Chromium by Playwright; each link is clicked in a fresh page, and the
question's heading must then be in view.

It tries a made-up notebook that puts each target far below the first screen, with the anchor forms one might use
(`<a id="q12"></a>` in its own cell before the heading: the course's form; JupyterLab's own heading ids
`#12.-What-is-SGD?`; `<a name=...>`; the anchor under the heading line), then, if given, links of a real notebook:

usage: lab_anchor_check.py [--windowing MODE] [NOTEBOOK '#q5=5. What is a' ...]
  --windowing MODE   JupyterLab's notebook windowingMode for this run (default: JupyterLab's own default)
Each NOTEBOOK argument is followed by HREF=HEADING-START pairs: the link to click, and how its heading begins.
"""
from __future__ import annotations
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_check import FLAGS, INSTALL, browser

FILLER = ' '.join(['Filler text, so that the target lies far below the first screen.'] * 12)

def _md(s): return {'cell_type': 'markdown', 'metadata': {}, 'source': s}

def demo_notebook() -> dict:
    cells = [_md('# Anchor test\n\n- [q12, its own anchor cell](#q12)\n- [JupyterLab heading id](#12.-What-is-SGD?)\n'
                 '- [q20, a name= anchor](#q20)\n- [q30, anchor under the heading line](#q30)\n- [fr1, its own anchor cell](#fr1)')]
    cells += [_md(f'Paragraph {i}. {FILLER}') for i in range(40)] + [_md('<a id="q12"></a>'), _md('### 12. What is SGD?\n\nAn answer.')]
    cells += [_md(f'More {i}. {FILLER}') for i in range(30)] + [_md('<a name="q20"></a>'), _md('### 20. What is a name anchor?')]
    cells += [_md(f'Yet more {i}. {FILLER}') for i in range(30)] + [_md('### 30. Anchor under the heading line\n<a id="q30"></a>')]
    cells += [_md(f'Further {i}. {FILLER}') for i in range(30)]
    cells += [_md('## Further research'), _md('<a id="fr1"></a>'), _md('### 1. A research task')] + [_md(f'Tail {i}. {FILLER}') for i in range(10)]
    for i, c in enumerate(cells): c['id'] = f'c{i}'
    ks = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}
    return {'cells': cells, 'metadata': ks, 'nbformat': 4, 'nbformat_minor': 5}

DEMO = [('#q12', '12. What is SGD?'), ('#12.-What-is-SGD?', '12. What is SGD?'), ('#q20', '20. What is a name'),
        ('#q30', '30. Anchor under'), ('#fr1', '1. A research task')]

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--windowing', choices=['contentVisibility', 'defer', 'full', 'none'])
    ap.add_argument('rest', nargs='*')
    a = ap.parse_args(argv)
    exe = browser()
    if exe is None: print(INSTALL); return 0
    from playwright.sync_api import sync_playwright
    tmp = Path(tempfile.mkdtemp(prefix='fba-lab-'))
    (tmp/'nbs').mkdir()
    (tmp/'nbs'/'anchors.ipynb').write_text(json.dumps(demo_notebook()))
    cases = [('anchors.ipynb', h, t) for h, t in DEMO]
    if a.rest:
        shutil.copy(a.rest[0], tmp/'nbs'/'chapter.ipynb')
        cases += [('chapter.ipynb', *arg.split('=', 1)) for arg in a.rest[1:]]
    env = dict(os.environ)
    if a.windowing:
        sd = tmp/'settings'/'@jupyterlab'/'notebook-extension'
        sd.mkdir(parents=True)
        (sd/'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': a.windowing}))
        env['JUPYTERLAB_SETTINGS_DIR'] = str(tmp/'settings')
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    jlab = Path(sys.executable).parent/'jupyter'
    log = open(tmp/'lab.log', 'w')
    lab = subprocess.Popen([str(jlab), 'lab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1', '--ServerApp.token=tok',
                            '--allow-root', f'--ServerApp.root_dir={tmp/"nbs"}', '--LabApp.news_url='], stdout=log, stderr=subprocess.STDOUT, env=env)
    failed = 0
    try:
        for _ in range(240):
            try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token=tok', timeout=2); break
            except OSError: time.sleep(0.5)
        base = f'http://127.0.0.1:{port}/lab/tree/'
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, headless=True, args=FLAGS)
            print(f'JupyterLab on port {port}, windowingMode {a.windowing or "(its default)"}; {b.browser_type.name} {b.version}')
            for nb, href, text in cases:
                ctx = b.new_context(viewport={'width': 1280, 'height': 900}); pg = ctx.new_page()
                pg.goto(base + nb + '?reset&token=tok')
                link = pg.locator(f'.jp-Notebook .jp-MarkdownOutput a[href="{href}"]').first
                link.wait_for(state='visible', timeout=120_000)
                pg.wait_for_timeout(3000)
                if pg.locator('.jp-Dialog').count(): pg.keyboard.press('Escape'); pg.wait_for_timeout(500)   # e.g. a kernel prompt
                link.click(); pg.wait_for_timeout(4000)
                h = pg.locator('.jp-Notebook .jp-MarkdownOutput').locator('h1, h2, h3').filter(has_text=text).first
                box = h.bounding_box() if h.count() else None
                panel = pg.locator('.jp-NotebookPanel .jp-WindowedPanel-outer').first.bounding_box()
                inview = box is not None and panel['y'] <= box['y'] < panel['y'] + panel['height']
                failed += not inview
                print(f"{'in view    ' if inview else 'NOT in view'}  {nb:14s} {href[:40]:40s} heading at y={box and round(box['y'])} "
                      f"(notebook panel {round(panel['y'])}..{round(panel['y'] + panel['height'])})", flush=True)
                ctx.close()
            b.close()
    finally:
        lab.terminate(); lab.wait(timeout=30); log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
