#!/usr/bin/env python3
"""Sum the kept input sections of a GNU ld -Map file per library.

Usage: mapsize.py build/sbc.map  ->  lines "name bytes" (text+rodata+data),
largest first.  Objects of the project itself are grouped as "sbc (lib/, applets/)".
"""
import re
import sys
from collections import defaultdict

def group(path):
    m = re.search(r'([^/]+)\.a\(', path)
    if m:
        lib = m.group(1)
        return {'libc': 'musl libc'}.get(lib, lib)
    if '/build/obj/' in path or path.startswith('build/obj/'):
        return 'sbc (lib/, applets/)'
    return 'startup/other'

def main():
    sizes = defaultdict(int)
    bss = defaultdict(int)
    in_map = False
    pending = None
    sec_re = re.compile(r'^ (\.[\w.$-]+)\s*$')
    full_re = re.compile(r'^ (\.[\w.$-]+)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$')
    with open(sys.argv[1], errors='replace') as f:
        for line in f:
            if line.startswith('Linker script and memory map'):
                in_map = True
                continue
            if not in_map:
                continue
            m = sec_re.match(line)
            if m:
                pending = m.group(1)
                continue
            m = full_re.match(line)
            if not m:
                pending = None
                continue
            name = m.group(1) or pending
            pending = None
            if not name:
                continue
            size = int(m.group(2), 16)
            obj = m.group(3).strip()
            if obj.startswith('load address') or '(' not in obj and not obj.endswith('.o'):
                continue
            g = group(obj)
            if name.startswith(('.text', '.rodata', '.data')):
                sizes[g] += size
            elif name.startswith(('.bss', '.tbss')):
                bss[g] += size
    for g, s in sorted(sizes.items(), key=lambda x: -x[1]):
        print(f'{g}\t{s}\t{bss.get(g, 0)}')

if __name__ == '__main__':
    main()
