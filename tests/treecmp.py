#!/usr/bin/env python3
"""treecmp.py [OPTIONS] A B - compare two directory trees: types, modes (incl.
setuid), owners, sizes, contents, symlink targets, hardlink groups, xattrs and
regular-file mtimes.  Prints each difference; exit 1 if any.

  --mtime-after EPOCH  compare a regular file's mtime only when one side's is
                       before EPOCH: files a build's RUN made or changed carry
                       the time they were written (at or after the build's
                       start, EPOCH) on both sides, and those legitimately
                       differ; copied files keep their source's older time,
                       and that still must match
  --optional PATH      (repeatable) PATH may be on one side only when it is an
                       empty file or directory there: a runtime's mount point
                       left behind (buildah leaves /etc/hosts, /etc/hostname,
                       /etc/resolv.conf and /run after a RUN); on both sides
                       it is compared, mtime excepted
"""
import argparse
import fnmatch
import hashlib
import os
import stat
import sys


def scan(root):
    out = {}
    inodes = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            e = {'type': stat.S_IFMT(st.st_mode), 'mode': stat.S_IMODE(st.st_mode),
                 'uid': st.st_uid, 'gid': st.st_gid}
            if stat.S_ISREG(st.st_mode):
                e['size'] = st.st_size
                e['mtime'] = int(st.st_mtime)
                with open(p, 'rb') as f:
                    e['sha'] = hashlib.sha256(f.read()).hexdigest()
                if st.st_nlink > 1:
                    inodes.setdefault(st.st_ino, []).append(rel)
            elif stat.S_ISLNK(st.st_mode):
                e['target'] = os.readlink(p)
                e.pop('mode')
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                e['rdev'] = st.st_rdev
            try:
                xs = {}
                for x in os.listxattr(p, follow_symlinks=False):
                    xs[x] = os.getxattr(p, x, follow_symlinks=False)
                if xs:
                    e['xattrs'] = xs
            except OSError:
                pass
            out[rel] = e
    for group in inodes.values():
        for rel in group:
            out[rel]['links'] = tuple(sorted(group))
    return out


def empty(root, rel, e):
    """rel (entry e under root) is an empty file or an empty directory."""
    if e['type'] == stat.S_IFDIR:
        return not os.listdir(os.path.join(root, rel))
    return e['type'] == stat.S_IFREG and e.get('size') == 0


def main():
    ap = argparse.ArgumentParser(description='compare two directory trees')
    ap.add_argument('--mtime-after', type=int)
    ap.add_argument('--optional', action='append', default=[])
    ap.add_argument('a')
    ap.add_argument('b')
    o = ap.parse_args()
    A, B = o.a, o.b
    a, b = scan(A), scan(B)
    optional = lambda k: any(fnmatch.fnmatchcase(k, p.strip('/')) for p in o.optional)
    for k in set(a) & set(b):
        ea, eb = a[k], b[k]
        if 'mtime' in ea and 'mtime' in eb:
            if (o.mtime_after is not None and ea['mtime'] >= o.mtime_after and eb['mtime'] >= o.mtime_after) \
                    or optional(k):
                ea.pop('mtime'); eb.pop('mtime')
    bad = 0
    for k in sorted(set(a) | set(b)):
        if k not in a:
            if optional(k) and empty(B, k, b[k]):
                continue
            print(f'only in {B}: {k}'); bad += 1
        elif k not in b:
            if optional(k) and empty(A, k, a[k]):
                continue
            print(f'only in {A}: {k}'); bad += 1
        elif a[k] != b[k]:
            diffs = {f: (a[k].get(f), b[k].get(f)) for f in set(a[k]) | set(b[k]) if a[k].get(f) != b[k].get(f)}
            print(f'differs: {k}: {diffs}'); bad += 1
    print(f'{len(a)} entries compared, {bad} differences')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
