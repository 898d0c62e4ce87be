#!/usr/bin/python3
"""check-cycles.py: list include and call cycles between the C files of
the directories given (default: src), and fail if there is any.

    scripts/check-cycles.py [-v] DIR...

The house rule is that no two files call each other, directly or around a
loop: a lower file never calls back into its caller. This script checks it
from the sources alone (no build needed, so it runs in a second):

- Include graph: file -> each file its `#include "..."` names (resolved
  against the including file's directory, then include/). A strongly
  connected component of more than one file is an include cycle.
- Call graph: file A -> file B when A names a function or global variable
  that B defines with external linkage (a call, or taking its address to
  pass it on: a function table is the way to let a lower file call up,
  but the table must be built by the caller, not named by the callee).
  Static names resolve to their own file. A `static inline` function in a
  header is not a node: a file that uses it depends on whatever the inline
  body names. A strongly connected component of more than one file is a
  call cycle.

The C reading is deliberately small: comments, strings and character
literals are stripped, then tokens are scanned with brace and paren depth.
A function definition is `name ( ... ) {` at brace depth 0; a global
variable is a depth-0 declaration without `(` before its name. Member
names after `.` or `->` are not references. Names defined in no scanned
file (libc, N-API) are ignored.

Exit status: 0 when acyclic, 1 when any cycle was found, 2 on bad usage.
With -v the per-file call edges are printed too.
"""
import os
import re
import sys

TOKEN = re.compile(r"[A-Za-z_]\w*|->|\S")
KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
    "__attribute__", "__asm__", "asm", "__inline", "__inline__", "__restrict",
}


def strip(text):
    """Blank comments, string and char literals; keep line breaks. Returns
    (code without preprocessor lines, list of quoted include names)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j) or " ")
            i = j
        elif c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    code = "".join(out)
    includes = re.findall(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', text, re.M)
    # drop preprocessor lines (with continuations); a macro body that names
    # a function is rare here and a call through it shows up where it is used
    lines, keep, cont = code.split("\n"), [], False
    for line in lines:
        is_pp = cont or line.lstrip().startswith("#")
        cont = is_pp and line.rstrip().endswith("\\")
        keep.append("" if is_pp else line)
    return "\n".join(keep), includes


def match(tokens, i, open_, close):
    """Index just past the bracket that closes tokens[i] (== open_)."""
    depth = 0
    while i < len(tokens):
        if tokens[i] == open_:
            depth += 1
        elif tokens[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def refs(tokens):
    """Identifiers named in tokens, not as members."""
    out = set()
    for k, t in enumerate(tokens):
        if (t[0].isalpha() or t[0] == "_") and t not in KEYWORDS and (k == 0 or tokens[k - 1] not in (".", "->")):
            out.add(t)
    return out


class Unit:
    def __init__(self, path, is_header):
        self.path = path
        self.is_header = is_header
        self.globals = set()   # names defined here with external linkage
        self.statics = set()   # names defined here, file-local
        self.inline = {}       # header: static inline function -> names its body uses
        self.uses = set()      # names this file uses (.c: everywhere; .h: none)
        self.includes = []


def parse(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        code, includes = strip(f.read())
    u = Unit(path, path.endswith(".h"))
    u.includes = includes
    tokens = TOKEN.findall(code)
    i, start = 0, 0  # start: first token of the current depth-0 statement
    while i < len(tokens):
        t = tokens[i]
        if t in (";", "}"):
            start = i + 1
            i += 1
            continue
        if t == "{":
            # a depth-0 brace that is not a function body: struct/enum/union
            # body or an initializer; skip it (initializers are handled with
            # their statement below)
            end = match(tokens, i, "{", "}")
            stmt = tokens[start:i]
            if "=" in stmt:
                # initializer of a global: its names are uses
                if not u.is_header:
                    u.uses |= refs(tokens[i:end])
                i = end
                continue
            i = end
            continue
        if t == "(" and i > start and re.match(r"[A-Za-z_]\w*$", tokens[i - 1]) and tokens[i - 1] not in KEYWORDS:
            name = tokens[i - 1]
            j = match(tokens, i, "(", ")")
            while j < len(tokens) and tokens[j] in ("__attribute__", "__asm__"):
                j = match(tokens, j + 1, "(", ")")
            if j < len(tokens) and tokens[j] == "{":
                end = match(tokens, j, "{", "}")
                stmt = tokens[start:i]
                body = refs(tokens[i:end]) - {name}
                if u.is_header:
                    u.inline[name] = body
                elif "static" in stmt:
                    u.statics.add(name)
                    u.uses |= body
                else:
                    u.globals.add(name)
                    u.uses |= body
                i, start = end, end
                continue
            if not u.is_header:
                u.uses |= refs(tokens[i:j])
            i = j
            continue
        if t in ("=", "[") and not u.is_header:
            stmt = tokens[start:i]
            if stmt and "(" not in stmt and stmt[0] not in ("typedef", "extern"):
                name = stmt[-1]
                if re.match(r"[A-Za-z_]\w*$", name) and name not in KEYWORDS:
                    (u.statics if "static" in stmt else u.globals).add(name)
            # the rest of the statement (initializer) is scanned on
        elif t == "," or (t == ";" and not u.is_header):
            pass
        if not u.is_header and re.match(r"[A-Za-z_]\w*$", t) and t not in KEYWORDS and \
                (i == 0 or tokens[i - 1] not in (".", "->")):
            # a depth-0 statement ending `name ;` with no parens declares a
            # global: recorded at the `;`
            if i + 1 < len(tokens) and tokens[i + 1] == ";" and "(" not in tokens[start:i] and start < i and \
                    tokens[start] not in ("typedef", "extern", "struct", "union", "enum"):
                (u.statics if "static" in tokens[start:i] else u.globals).add(t)
            elif i == start or tokens[start] not in ("typedef",):
                u.uses.add(t)
        i += 1
    u.uses -= u.statics
    return u


def sccs(nodes, edges):
    """Tarjan's algorithm, iterative. Returns the components, each sorted."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def report(kind, comps, edges, why):
    bad = [c for c in comps if len(c) > 1]
    for c in sorted(bad):
        print("%s cycle: %s" % (kind, " <-> ".join(c)))
        members = set(c)
        for a in c:
            for b in sorted(edges.get(a, ()) & members):
                detail = why.get((a, b))
                print("  %s -> %s%s" % (a, b, " (" + ", ".join(sorted(detail)[:6]) +
                                        (", ..." if len(detail) > 6 else "") + ")" if detail else ""))
    return len(bad)


def main(argv):
    verbose = "-v" in argv
    dirs = [a for a in argv if a != "-v"] or ["src"]
    files = []
    for d in dirs:
        if not os.path.isdir(d):
            print("check-cycles: %s: not a directory" % d, file=sys.stderr)
            return 2
        for root, _, names in os.walk(d):
            files += [os.path.normpath(os.path.join(root, x)) for x in names if x.endswith((".c", ".h"))]
    files.sort()
    units = {f: parse(f) for f in files}

    # include graph
    inc = {}
    for f, u in units.items():
        for name in u.includes:
            for base in (os.path.dirname(f), "include"):
                p = os.path.normpath(os.path.join(base, name))
                if p in units:
                    inc.setdefault(f, set()).add(p)
                    break

    # call graph
    definers = {}
    for f, u in units.items():
        for name in u.globals:
            definers.setdefault(name, set()).add(f)
    inline = {}
    for f, u in units.items():
        for name, body in u.inline.items():
            inline.setdefault(name, set()).update(body)

    def expand(names):
        """Names used, with header inline functions replaced by their bodies."""
        seen, todo, out = set(), list(names), set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in inline and n not in definers:
                todo += inline[n]
            else:
                out.add(n)
        return out

    calls, why = {}, {}
    for f, u in units.items():
        if u.is_header:
            continue
        for name in expand(u.uses):
            for g in definers.get(name, ()):
                if g != f and name not in u.statics:
                    calls.setdefault(f, set()).add(g)
                    why.setdefault((f, g), set()).add(name)
    if verbose:
        for f in sorted(calls):
            for g in sorted(calls[f]):
                print("%s -> %s: %s" % (f, g, " ".join(sorted(why[(f, g)]))))

    n = report("include", sccs(files, inc), inc, {})
    n += report("call", sccs([f for f in files if not units[f].is_header], calls), calls, why)
    ncalls = sum(len(v) for v in calls.values())
    if n:
        print("check-cycles: %d cycle(s) in %s" % (n, " ".join(dirs)))
        return 1
    print("check-cycles: %s: %d files, %d call edges, no include or call cycles" % (" ".join(dirs), len(files), ncalls))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
