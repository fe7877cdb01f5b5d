#!/usr/bin/env python3
"""bench/report.py DIR - the one results table and the charts of `make bench`.

Reads what the benches wrote into DIR (start.json, pull.json, pull8.json,
size.json), prints one table with the goals of issue 15 checked, writes it
to DIR/results.md, and draws three SVG charts (plain generated SVG, no
plotting package) into bench/svg/: start latency, pull time, binary size.
The caption of each names the date, the git revision and the machine.
"""
import html
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load(d, name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d cores, %.0f GiB, Linux %s" % (cpu, os.cpu_count() or 0, mem, platform.release())


def caption():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=HERE).stdout.strip()
    except OSError:
        rev = "?"
    return "%s, git %s, %s" % (time.strftime("%Y-%m-%d"), rev or "?", machine())


def bar_chart(path, title, unit, rows, note):
    """rows: (label, value, lo, hi, is_sbc); horizontal bars, p25..p75 whiskers."""
    w, left, right, bar, gap, top = 800, 240, 110, 22, 10, 48
    h = top + len(rows) * (bar + gap) + 46
    vmax = max((r[3] if r[3] is not None else r[1]) for r in rows) or 1
    scale = (w - left - right) / vmax
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="DejaVu Sans, Arial, sans-serif" font-size="13">' % (w, h),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>' % (10, html.escape(title))]
    y = top
    for label, v, lo, hi, is_sbc in rows:
        color = "#1f77b4" if is_sbc else "#9e9e9e"
        bw = max(1.0, v * scale)
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 8, y + bar - 6, html.escape(label)))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y, bw, bar, color))
        if lo is not None and hi is not None and hi > lo:
            x0, x1, ym = left + lo * scale, left + hi * scale, y + bar / 2
            out.append('<path d="M%.1f %.1f H%.1f M%.1f %.1f V%.1f M%.1f %.1f V%.1f" stroke="black" '
                       'stroke-width="1.2"/>' % (x0, ym, x1, x0, ym - 5, ym + 5, x1, ym - 5, ym + 5))
        out.append('<text x="%.1f" y="%d">%s %s</text>' % (left + max(bw, (hi or 0) * scale) + 6, y + bar - 6,
                                                         fmt(v), html.escape(unit)))
        y += bar + gap
    out.append('<text x="10" y="%d" font-size="11" fill="#555">%s</text>' % (h - 26, html.escape(note)))
    out.append('<text x="10" y="%d" font-size="11" fill="#555">%s</text>' % (h - 10, html.escape(caption())))
    out.append("</svg>")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def fmt(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


def main():
    d = sys.argv[1]
    svgdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "svg")
    lines, checks = [], []

    def goal(name, val, limit):
        ok = val is not None and val <= limit
        checks.append(ok)
        return "%s %.2f (goal <= %.2f: %s)" % (name, val if val is not None else float("nan"), limit,
                                               "met" if ok else "MISSED")

    st = load(d, "start.json")
    if st:
        order = [p for p in ("sbc", "floor", "crun", "runc", "podman") if p in st]
        lines.append("## Start: `run --rm --network none busybox /bin/true` (ms, median, p25..p75)\n")
        lines.append("| peer | median | p25..p75 |\n|---|---|---|")
        for p in order:
            lines.append("| %s | %.2f | %.2f..%.2f |" % (p, st[p]["median"], st[p]["p25"], st[p]["p75"]))
        lines.append("")
        s = st["sbc"]["median"]
        lines.append("- " + goal("sbc/floor", s / st["floor"]["median"] if "floor" in st else None, 1.25))
        lines.append("- " + goal("sbc/crun", s / st["crun"]["median"] if "crun" in st else None, 0.4))
        lines.append("")
        bar_chart(os.path.join(svgdir, "start.svg"), "Container start: run --rm busybox /bin/true", "ms",
                  [(p if p != "floor" else "floor (bench/floor.c)", st[p]["median"], st[p]["p25"], st[p]["p75"],
                    p == "sbc") for p in order],
                  "median of interleaved runs, whiskers p25..p75; lower is better")
    pl, p8 = load(d, "pull.json"), load(d, "pull8.json")
    if pl:
        lines.append("## Pull of debian:minbase (one layer, 49 MB gzip, 128 MB tar) into an empty store (ms)\n")
        lines.append("| command | median | p25..p75 | / floor | peak RSS KiB |\n|---|---|---|---|---|")
        for n, v in pl.items():
            lines.append("| %s | %.0f | %.0f..%.0f | %.2f | %d |" % (n, v["median"], v["p25"], v["p75"], v["ratio"], v["rss"]))
        lines.append("")
        s = pl["sbc-pull"]["median"]
        lines.append("- " + goal("sbc-pull/floor", pl["sbc-pull"]["ratio"], 0.5))
        if "skopeo+umoci" in pl:
            lines.append("- " + goal("sbc-pull/(skopeo+umoci)", s / pl["skopeo+umoci"]["median"], 0.35))
        if "podman-pull" in pl:
            lines.append("- " + goal("sbc-pull/podman", s / pl["podman-pull"]["median"], 0.4))
        lines.append("- " + goal("sbc-pull peak RSS MiB", pl["sbc-pull"]["rss"] / 1024, 8))
        lines.append("")
        rows = [(n.replace("floor", "floor (curl|gzip -dc|tar -x)"), v["median"], v["p25"], v["p75"],
                 n == "sbc-pull") for n, v in pl.items() if n != "sbc-pull-before"]
        if p8:
            rows += [(n.replace("floor", "floor") + ", 8 layers", v["median"], v["p25"], v["p75"], n == "sbc-pull")
                     for n, v in p8.items() if n != "sbc-pull-before"]
        bar_chart(os.path.join(svgdir, "pull.svg"), "Pull of Debian (minbase) from a local registry", "ms", rows,
                  "one layer, then the same tree in 8 layers; median, whiskers p25..p75; lower is better")
    if p8:
        lines.append("## Pull of debian:split8 (the same tree in 8 layers) (ms)\n")
        lines.append("| command | median | p25..p75 | / floor |\n|---|---|---|---|")
        for n, v in p8.items():
            lines.append("| %s | %.0f | %.0f..%.0f | %.2f |" % (n, v["median"], v["p25"], v["p75"], v["ratio"]))
        if pl:
            lines.append("\n8 layers against 1 layer, sbc-pull: %.2f; the floor (8 pipelines in a row): %.2f\n" % (
                p8["sbc-pull"]["median"] / pl["sbc-pull"]["median"], p8["floor"]["median"] / pl["floor"]["median"]))
    sz = load(d, "size.json")
    if sz:
        lines.append("## Size (KiB)\n")
        lines.append("| binary | KiB |\n|---|---|")
        for n, v in sz["peers"].items():
            lines.append("| %s | %.0f |" % (n, v / 1024))
        lines.append("\nsbc's share per library: " + ", ".join("%s %.1f KiB" % (k, v / 1024) for k, v in sz["libs"].items()))
        lines.append("\n- " + goal("sbc MiB", sz["peers"]["sbc"] / 2**20, 1.0))
        lines.append("")
        bar_chart(os.path.join(svgdir, "size.svg"), "Size on disk: the static sbc against its peers", "KiB",
                  [(n, v / 1024, None, None, n == "sbc") for n, v in sz["peers"].items()],
                  "sbc: static, everything inside; peers: the binary plus the shared libraries it loads")
    text = "# make bench: %s\n\n" % caption() + "\n".join(lines) + "\n"
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(text)
    print(text)
    print("goals: %d of %d met" % (sum(checks), len(checks)))


if __name__ == "__main__":
    main()
