"""Draws bench.py's curves (curves.json) as small SVG charts, by hand (no
plotting library): one chart per curve, wall time and peak RSS against the
input size on log-log axes, one line per series.

  charts.py CURVES.json OUT_DIR     writes OUT_DIR/<curve>.svg
"""
import json
import math
import os
import sys
from xml.sax.saxutils import escape

W, H = 560, 300
L, R, T, B = 64, 150, 34, 44  # margins
COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df"]
TITLES = {
    "import": "fido txn import",
    "analytics": "fido analytics",
    "audit_verify": "fido audit verify --user",
    "txn_list": "fido txn list --limit 0 -o ndjson (streaming)",
    "migrate_legacy": "fido db migrate-legacy",
}


def fmt(v):
    if v >= 1000 and v == int(v):
        e = int(round(math.log10(v)))
        if 10 ** e == v:
            return f"10^{e}"
    return f"{v:g}"


def ticks(lo, hi):
    """Powers of ten (and 1-2-5 between them when the range is short) inside [lo, hi]."""
    out = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in ((1, 2, 5) if math.log10(hi / lo) < 2.5 else (1,)):
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                out.append(v)
        e += 1
    return out or [lo, hi]


def panel(parts, x0, y0, w, h, series, xs, idx, ylabel, unit_fmt):
    vals = [p[idx] for pts in series.values() for p in pts]
    lo, hi = min(vals), max(vals)
    lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
    xlo, xhi = min(xs), max(xs)
    if xlo == xhi:
        xlo, xhi = xlo / 10, xhi * 10

    def X(v):
        return x0 + (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo)) * w

    def Y(v):
        return y0 + h - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * h

    parts.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
    for v in ticks(lo, hi):
        y = Y(v)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(unit_fmt(v))}</text>')
    for v in sorted(set(xs)):
        x = X(v)
        parts.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 4}" stroke="#999"/>')
        parts.append(f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="middle">{escape(fmt(v))}</text>')
    parts.append(f'<text x="{x0 + w / 2}" y="{y0 - 6}" text-anchor="middle" font-weight="bold">{escape(ylabel)}</text>')
    for i, (name, pts) in enumerate(series.items()):
        c = COLORS[i % len(COLORS)]
        path = " ".join(f"{X(p[0]):.1f},{Y(p[idx]):.1f}" for p in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        for p in pts:
            parts.append(f'<circle cx="{X(p[0]):.1f}" cy="{Y(p[idx]):.1f}" r="3" fill="{c}"/>')


def ms_fmt(v):
    return f"{v / 1000:g} s" if v >= 1000 else f"{v:g} ms"


def mib_fmt(v):
    return f"{v:g} MiB"


def chart(name, c, date, machine):
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W * 2}" height="{H}" font-family="sans-serif" font-size="11">',
        f'<rect width="{W * 2}" height="{H}" fill="white"/>',
        f'<text x="12" y="18" font-size="13" font-weight="bold">{escape(TITLES.get(name, name))}</text>',
        f'<text x="{W * 2 - 12}" y="18" text-anchor="end" fill="#555">{escape(date)}; medians of {c.get("runs", 1)} run(s); log-log</text>',
    ]
    series = {k: v for k, v in c["series"].items() if v}
    if not series:
        parts.append(f'<text x="{W}" y="{H / 2}" text-anchor="middle" fill="#555">{escape(c.get("pending", "no data"))}: slot kept for its curve</text>')
    else:
        xs = [p[0] for pts in series.values() for p in pts]
        pw = W - L - 40
        ph = H - T - B - 10
        # times in ms; RSS from KiB to MiB
        s_rss = {k: [[p[0], p[1], p[2] / 1024] for p in v] for k, v in series.items()}
        panel(parts, L, T + 10, pw, ph, series, xs, 1, "wall time", ms_fmt)
        panel(parts, W + L - 20, T + 10, pw - R + 40, ph, s_rss, xs, 2, "peak RSS", mib_fmt)
        parts.append(f'<text x="{W}" y="{H - 6}" text-anchor="middle">{escape(c["x"])}</text>')
        lx = W * 2 - R + 10
        for i, k in enumerate(series):
            y = T + 24 + i * 30
            parts.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 16}" y2="{y}" stroke="{COLORS[i % len(COLORS)]}" stroke-width="2"/>')
            words, line, lines = k.split(), "", []
            for wd in words:
                if len(line) + len(wd) > 20 and line:
                    lines.append(line)
                    line = wd
                else:
                    line = (line + " " + wd).strip()
            lines.append(line)
            for j, ln in enumerate(lines[:3]):
                parts.append(f'<text x="{lx + 20}" y="{y + 4 + j * 12}">{escape(ln)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    data = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, c in data["curves"].items():
        with open(os.path.join(out, f"{name}.svg"), "w") as f:
            f.write(chart(name, c, data["date"], data["machine"]))
        print(f"charts: {out}/{name}.svg", file=sys.stderr)


if __name__ == "__main__":
    main()
