#!/usr/bin/env python3
"""treecmp.py A B - compare two directory trees: types, modes (incl. setuid),
owners, sizes, contents, symlink targets, hardlink groups, xattrs and
regular-file mtimes.  Prints each difference; exit 1 if any."""
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


def main():
    a, b = scan(sys.argv[1]), scan(sys.argv[2])
    bad = 0
    for k in sorted(set(a) | set(b)):
        if k not in a:
            print(f'only in {sys.argv[2]}: {k}'); bad += 1
        elif k not in b:
            print(f'only in {sys.argv[1]}: {k}'); bad += 1
        elif a[k] != b[k]:
            diffs = {f: (a[k].get(f), b[k].get(f)) for f in set(a[k]) | set(b[k]) if a[k].get(f) != b[k].get(f)}
            print(f'differs: {k}: {diffs}'); bad += 1
    print(f'{len(a)} entries compared, {bad} differences')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
