#!/usr/bin/env python3
"""Write the key points and known mistakes staged in tools/key_points_draft.md into the chapter notebooks.

For every question of every chapter notebook, found by its heading (`questions.question_sections`), the script
writes its check cell (`answer_check.check_cell_md`) at the end of the question's section, or rewrites the one
already there, so running it twice changes nothing. It checks everything before it writes anything, and fails
(exit 1, no notebook touched) when a question of a notebook has no block in the draft, a block names a question no
notebook has, or a block cannot be read. Then nbdev-clean tidies each notebook it changed. Once the notebooks hold
the check cells they are the only source (issue 22): delete the draft and this script.

usage: python tools/inject_key_points.py [--nbs nbs] [--draft tools/key_points_draft.md]"""
import argparse, re, subprocess, sys
from pathlib import Path
from fastbook_answers.answer_check import check_cell_md, parse_check
from fastbook_answers.course import chapter_of, import_nbformat
from fastbook_answers.questions import CHECK_MARK, question_sections, qid

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = re.compile(r'^\s*(<a id="[^"]*"></a>\s*)+$')

def read_draft(path:Path) -> dict:
    "The draft's blocks, parsed: {question id: dict(points, mistakes)}; a block that cannot be read is an error."
    text, out, errors = path.read_text(encoding='utf-8'), {}, []
    for m in re.finditer(r'^## (\S+)\s*\n(.*?)(?=^## |\Z)', text, re.M | re.S):
        if m[1] in out: errors.append(f"{m[1]}: two blocks in the draft"); continue
        try: out[m[1]] = parse_check(m[2])
        except ValueError as e: errors.append(f"{m[1]}: {e}")
    if errors: raise SystemExit('inject_key_points: the draft cannot be read:\n  ' + '\n  '.join(errors))
    return out

def plan(nb, chapter:int, draft:dict) -> tuple[list, list[str]]:
    "The edits to make in `nb`, `(cell index, insert?, question id, source)`, last first; and its question ids."
    edits, ids = [], []
    for q in sorted(question_sections(nb), key=lambda q: -q['start']):
        i = qid(q, chapter); ids.append(i)
        if i not in draft: continue
        src = check_cell_md(draft[i]['points'], draft[i]['mistakes'])
        src_of = lambda k: ''.join(nb.cells[k].source)
        have = [k for k in range(q['start'], q['end']) if src_of(k).lstrip().startswith(CHECK_MARK)]
        if len(have) > 1: raise SystemExit(f"inject_key_points: {i} has {len(have)} check cells; keep one")
        if have: edits.append((have[0], False, i, src)); continue
        end = q['end']
        while end > q['start'] + 1 and nb.cells[end-1].cell_type == 'markdown' and ANCHOR.match(src_of(end-1)):
            end -= 1                                          # the next question's anchor stays with it
        edits.append((end, True, i, src))
    return edits, ids

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--nbs', default=ROOT/'nbs', type=Path)
    ap.add_argument('--draft', default=ROOT/'tools'/'key_points_draft.md', type=Path)
    a = ap.parse_args(argv)
    nbformat, draft = import_nbformat(), read_draft(a.draft)
    todo, seen, errors = [], set(), []
    for p in sorted(a.nbs.glob('[0-9]*.ipynb')):
        nb = nbformat.read(p, as_version=4)
        if (ch := chapter_of(p)) is None or not question_sections(nb): continue
        edits, ids = plan(nb, ch, draft)
        errors += [f"{p.name}: {i} has no block in {a.draft.name}" for i in ids if i not in draft]
        qs = question_sections(nb)
        errors += [f"{p.name}: cell {k} is a check cell outside any question's section (delete it)"
                   for k, c in enumerate(nb.cells) if ''.join(c.source).lstrip().startswith(CHECK_MARK)
                   and not any(q['start'] <= k < q['end'] for q in qs)]
        seen.update(ids); todo.append((p, nb, edits))
    errors += [f"{a.draft.name}: {i} is no question of the notebooks in {a.nbs}" for i in draft if i not in seen]
    if errors: print('inject_key_points: nothing written:\n  ' + '\n  '.join(errors), file=sys.stderr); return 1
    for p, nb, edits in todo:
        n = dict(new=0, rewritten=0, unchanged=0)
        for k, insert, i, src in edits:                       # last first: the indices before stay right
            if insert:
                cell = nbformat.v4.new_markdown_cell(src, id=f"check-{i.lower().replace('.', '-')}")
                nb.cells.insert(k, cell); n['new'] += 1
            elif ''.join(nb.cells[k].source) != src: nb.cells[k].source = src; n['rewritten'] += 1
            else: n['unchanged'] += 1
        if n['new'] or n['rewritten']:
            nbformat.write(nb, p)
            subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(p)], check=True)
        print(f"{p.name}: {len(edits)} check cells ({n['new']} new, {n['rewritten']} rewritten, "
              f"{n['unchanged']} unchanged)")
    return 0

if __name__ == '__main__':
    sys.exit(main())
