#!/usr/bin/env python3
"""bench/harness.py - time commands against each other in one run.

  harness.py [-n RUNS] [--warmup W] [--rss] [--setup CMD] NAME=CMD [NAME=CMD ...]

Runs every command RUNS times, interleaved (A B C A B C ...), so a noisy
machine hits them alike; prints the median, p25..p75 and the ratio of each
median to the first command's (the reference).  --rss also measures the
peak RSS of each run with GNU time (median KiB).  {i} in a command or in
the setup is the run's number (fresh target directories: nothing is deleted
between timed runs).  --json FILE also writes the figures.  Commands run with sh -c;
their output is discarded; a failing run is reported and aborts.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(cmd, rss):
    """One timed run of cmd (sh -c); its ms and peak RSS KiB."""
    if rss:
        with tempfile.NamedTemporaryFile('r', suffix='.time') as tf:
            t0 = time.perf_counter()
            p = subprocess.run(['/usr/bin/time', '-f', '%M', '-o', tf.name, 'sh', '-c', cmd],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            kib = int(open(tf.name).read().strip().splitlines()[-1] or 0)
    else:
        t0 = time.perf_counter()
        p = subprocess.run(['sh', '-c', cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        kib = 0
    if p.returncode != 0:
        sys.exit(f'harness: command failed (rc {p.returncode}): {cmd}\n{p.stderr.decode(errors="replace")[-500:]}')
    return dt * 1000.0, kib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-n', '--runs', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--rss', action='store_true')
    ap.add_argument('--setup', help='shell command run before every single run (not timed)')
    ap.add_argument('--json', help='also write {name: {median, p25, p75, ratio, rss}} here')
    ap.add_argument('cmds', nargs='+', metavar='NAME=CMD')
    a = ap.parse_args()
    cmds = []
    for c in a.cmds:
        name, _, cmd = c.partition('=')
        if not cmd:
            sys.exit(f'harness: expected NAME=CMD, got {c!r}')
        cmds.append((name, cmd))
    times = {n: [] for n, _ in cmds}
    rss = {n: [] for n, _ in cmds}
    for i in range(a.warmup + a.runs):
        for name, cmd in cmds:
            if a.setup:
                subprocess.run(['sh', '-c', a.setup.replace('{i}', str(i))], check=True)
            ms, kib = run_once(cmd.replace('{i}', str(i)), a.rss)
            if i >= a.warmup:
                times[name].append(ms)
                rss[name].append(kib)
    ref = statistics.median(times[cmds[0][0]])
    print(f'{"command":<28} {"median ms":>10} {"p25..p75":>17} {"ratio":>7}' + ('  peak RSS KiB' if a.rss else ''))
    for name, _ in cmds:
        t = sorted(times[name])
        q = statistics.quantiles(t, n=4) if len(t) >= 2 else [t[0], t[0], t[0]]
        med = statistics.median(t)
        line = f'{name:<28} {med:>10.1f} {q[0]:>8.1f}..{q[2]:<8.1f} {med / ref:>7.2f}'
        if a.rss:
            line += f'  {int(statistics.median(rss[name])):>12}'
        print(line)
    print(f'(ratio = median / median of {cmds[0][0]}; {a.runs} interleaved runs each, {a.warmup} warm-up)')
    if a.json:
        out = {}
        for name, _ in cmds:
            t = sorted(times[name])
            q = statistics.quantiles(t, n=4) if len(t) >= 2 else [t[0], t[0], t[0]]
            med = statistics.median(t)
            out[name] = {'median': med, 'p25': q[0], 'p75': q[2], 'ratio': med / ref,
                         'rss': int(statistics.median(rss[name]))}
        with open(a.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
