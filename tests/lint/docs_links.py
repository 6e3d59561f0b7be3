#!/usr/bin/env python3
"""lint.docs_links: every relative link in README.md and docs/*.md names a
file that exists and, when it has a #fragment, a heading of that file (the
anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens).
A page moved or a heading renamed breaks no link unnoticed.

    docs_links.py SOURCE_DIR
"""
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(path):
    found, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            m = None if fence else re.match(r"#{1,6} (.*)", line)
            if m:
                slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
                found.add(slug)
    return found


def main():
    top = sys.argv[1]
    pages = [os.path.join(top, "README.md")]
    pages += sorted(os.path.join(top, "docs", p) for p in os.listdir(os.path.join(top, "docs"))
                    if p.endswith(".md"))
    bad, count = [], 0
    for page in pages:
        text = open(page, encoding="utf-8").read()
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue
            count += 1
            name, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(page), name)) if name else page
            where = os.path.relpath(page, top)
            if not os.path.exists(dest):
                bad.append("%s: %s: no such file" % (where, target))
            elif frag and dest.endswith(".md") and frag not in anchors(dest):
                bad.append("%s: %s: no heading with that anchor" % (where, target))
    for b in bad:
        print("FAIL " + b)
    if not count:
        print("FAIL no links found: is the source folder right?")
        return 1
    print("%d links checked in %d pages, %d broken" % (count, len(pages), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
