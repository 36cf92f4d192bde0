#!/usr/bin/env python3
# The layers the build enforces, checked from the other side:
#  1. every #include "x.h" of src/, probes/ and ui/ resolves, as the compiler would, in the
#     file's own folder or its layer's include paths (read from the Makefile's INC_ lines),
#     never through a path ("../", "model/x.h");
#  2. no header includes itself through others (no cycle);
#  3. each header compiles alone with its layer's flags (self-contained);
#  4. a scratch file that includes a header of each layer it may not use fails to compile
#     with its layer's flags: the build really refuses a wrong include.
# Usage: tests/layers.py [CC]   (from the repository root; exit 1 on any finding)
import os, re, subprocess, sys, tempfile

CC = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('CC', 'cc')
mk = open('Makefile').read()
defs = dict(re.findall(r'^(INC_\w+|DIR_\w+)\s*:=\s*(.*)$', mk, re.M))
layers = re.search(r'^LAYERS\s*:=\s*(.*)$', mk, re.M).group(1).split()


def expand(v):
    return re.sub(r'\$\((\w+)\)', lambda m: expand(defs[m.group(1)]), v)


inc = {l: [d[2:] for d in expand(defs['INC_' + l]).split()] for l in layers}
home = {l: defs['DIR_' + l] for l in layers}


def layer_of(path):
    d = os.path.dirname(path)
    for l in layers:
        if home[l] == d:
            return l
    return None


files = [os.path.join(d, f) for l in layers for d in [home[l]]
         for f in sorted(os.listdir(d)) if f.endswith(('.c', '.h'))]
problems = []
graph = {}
for f in files:
    lay = layer_of(f)
    deps = []
    for n, line in enumerate(open(f, errors='replace'), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        name = m.group(1)
        if '/' in name:
            problems.append(f'{f}:{n}: "{name}": include by name, never by path')
            continue
        where = [os.path.dirname(f)] + inc[lay]
        hit = next((os.path.join(d, name) for d in where
                    if os.path.exists(os.path.join(d, name))), None)
        if not hit:
            owner = [l for l in layers if os.path.exists(os.path.join(home[l], name))]
            problems.append(f'{f}:{n}: "{name}" is not visible to layer {lay}' +
                            (f' (it belongs to {", ".join(owner)})' if owner else ''))
            continue
        deps.append(hit)
    graph[f] = deps

# Cycles among headers: depth-first search with colours.
state = {}


def visit(h, stack):
    state[h] = 1
    for d in graph.get(h, []):
        if not d.endswith('.h'):
            continue
        if state.get(d) == 1:
            cyc = stack[stack.index(d):] + [d] if d in stack else [h, d]
            problems.append('include cycle: ' + ' -> '.join(cyc))
        elif not state.get(d):
            visit(d, stack + [d])
    state[h] = 2


for h in graph:
    if h.endswith('.h') and not state.get(h):
        visit(h, [h])


def flags(lay):
    return ['-std=gnu11', '-D_GNU_SOURCE', '-fsyntax-only'] + ['-I' + d for d in inc[lay]]


def pkg(lay):
    pk = {'probes': 'libtracefs libtraceevent', 'ui': 'ncursesw', 'export': 'libmicrohttpd',
          'app': 'ncursesw libtracefs libtraceevent libmicrohttpd'}.get(lay)
    if not pk:
        return []
    out = subprocess.run(['pkg-config', '--cflags'] + pk.split(), capture_output=True, text=True)
    return out.stdout.split()


with tempfile.TemporaryDirectory() as tmp:
    for f in files:
        if not f.endswith('.h') or f.endswith('storm_guest.h'):
            continue
        lay = layer_of(f)
        src = os.path.join(tmp, 'self.c')
        open(src, 'w').write(f'#include "{os.path.basename(f)}"\n')
        r = subprocess.run([CC] + flags(lay) + pkg(lay) + ['-I' + os.path.dirname(f), src],
                           capture_output=True, text=True)
        if r.returncode:
            problems.append(f'{f}: does not compile alone: ' + r.stderr.strip().splitlines()[0])
    # A header of each other layer, included from a scratch file of this layer, must fail.
    probe = {l: next((os.path.basename(f) for f in files
                      if layer_of(f) == l and f.endswith('.h')), None) for l in layers}
    tried = 0
    for lay in layers:
        for other in layers:
            hdr = probe[other]
            if not hdr or any(os.path.exists(os.path.join(d, hdr)) for d in inc[lay]):
                continue
            src = os.path.join(tmp, 'wrong.c')
            open(src, 'w').write(f'#include "{hdr}"\n')
            r = subprocess.run([CC] + flags(lay) + pkg(lay) + [src],
                               capture_output=True, text=True)
            tried += 1
            if r.returncode == 0:
                problems.append(f'layer {lay} compiled an include of {other}\'s {hdr}')

for p in problems:
    print('layers:', p)
print(f'layers: {len(files)} files, {tried} wrong includes refused by the build, '
      f'{len(problems)} problems')
sys.exit(1 if problems else 0)
