#!/usr/bin/env python3
"""Which FidoCore folders each folder uses: a rough check of the layering.

usage: scripts/layers.py [-v] [ROOT]      (ROOT: Sources/FidoCore)

Prints one line per folder (files directly in ROOT are "(top)"): its Swift
line count and the folders whose declarations it names. With -v, the names
too. The intended order (issue 11) is C → BSON/Mongo/HTTP → Model →
Store/SMS/Analytics → Render → the `fido` target; a folder should name only
folders below it.

Rough by design: a declaration is a type (struct, enum, class, protocol,
actor, typealias) or a top-level function; a name declared in two folders is
ignored; comments and string literals are skipped (names inside string
interpolations with them); members added by extensions are not tracked, only
the extended type's name. Compare two trees with `git archive REV
Sources/FidoCore | tar -x -C DIR` and ROOT=DIR/Sources/FidoCore.
"""
import os
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("-")]
root = args[0] if args else "Sources/FidoCore"
verbose = "-v" in sys.argv[1:]


def strip(src):
    """Source without comments and string literals."""
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    src = re.sub(r'"""(.*?)"""', '""', src, flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', src)


files = {}  # path -> (folder, stripped source)
lines = {}  # folder -> line count
for dirpath, _, names in os.walk(root):
    for n in names:
        if n.endswith(".swift"):
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, root)
            folder = rel.split(os.sep)[0] if os.sep in rel else "(top)"
            text = open(path, encoding="utf-8").read()
            files[path] = (folder, strip(text))
            lines[folder] = lines.get(folder, 0) + text.count("\n")

modifiers = r"(?:(?:public|package|internal|fileprivate|private|final|indirect)\s+)*"
types = re.compile(
    r"^\s*" + modifiers + r"(?:struct|enum|class|protocol|actor|typealias)\s+([A-Z]\w*)", re.M)
functions = re.compile(r"^" + modifiers + r"func\s+(\w+)", re.M)  # top level: column 0

declared = {}
for folder, src in files.values():
    for name in types.findall(src) + functions.findall(src):
        declared.setdefault(name, set()).add(folder)
owner = {name: next(iter(f)) for name, f in declared.items() if len(f) == 1}

uses = {}  # folder -> {folder it names -> names}
word = re.compile(r"\b([A-Za-z_]\w*)\b")
for folder, src in files.values():
    for name in set(word.findall(src)):
        other = owner.get(name)
        if other and other != folder:
            uses.setdefault(folder, {}).setdefault(other, set()).add(name)

for folder in sorted(lines):
    deps = uses.get(folder, {})
    if verbose:
        named = "; ".join(f"{d} ({', '.join(sorted(n))})" for d, n in sorted(deps.items()))
        print(f"{folder} ({lines[folder]} lines): {named or '-'}")
    else:
        print(f"{folder:10} {lines[folder]:6}  → {', '.join(sorted(deps)) or '-'}")
