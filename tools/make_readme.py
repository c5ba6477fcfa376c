#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (nbdev-readme needs Quarto, which isn't available here).

usage: make_readme.py [--check]   --check: exit 1 if README.md differs from what the notebook gives."""
import sys, json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, then `make readme`. -->\n\n'

def render(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip()
        if not src or src.startswith('#| hide'): continue
        parts.append(src if c['cell_type'] == 'markdown' else f'```python\n{src}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    txt, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv[1:]:
        if not readme.exists() or readme.read_text() != txt:
            sys.exit('README.md is out of date with nbs/index.ipynb: run `make readme`')
        print('README.md is in sync with nbs/index.ipynb')
    else: readme.write_text(txt); print(f'wrote {readme}')
