#!/usr/bin/env python3
"""Plot bnkit_bench results (Google Benchmark JSON) as a PNG, standard library only.

    python3 tools/plot_bench.py bench.json bench.png [--report]

--report also prints the markdown table of medians and the target verdicts used in
docs/performance.md.

One panel per (op, layout): infer/train/backward down, nchw/nhwc across. In each panel the
x axis is the five shapes; for each shape one bar per implementation gives the median wall
time per element (ns/element, log scale, gridlines at each power of ten). The memcpy and
scale ceilings are bars too, drawn last in each group (black and grey). The float16 rows
(impls suffixed _f16: x and y stored as binary16) follow, in the paler colour of their float32
impl, with memcpy_f16 in dark grey. Colours are listed in the legend at the top and in
docs/performance.md. A missing bar means the run was skipped or errored (or the CPU lacks the
path).
"""
import json
import math
import struct
import sys
import zlib

IMPLS = [
    ("bnkit", (31, 119, 180)),
    ("bnkit_scalar", (255, 127, 14)),
    ("bnkit_sse2", (44, 160, 44)),
    ("bnkit_avx2", (214, 39, 40)),
    ("bnkit_avx512", (148, 103, 189)),
    ("onednn", (140, 86, 75)),
    ("onednn_blocked", (227, 119, 194)),
    ("memcpy", (0, 0, 0)),
    ("scale", (150, 150, 150)),
]
# float16 activation rows (infer and train only): each bnkit impl's colour mixed halfway with
# white, and memcpy_f16 (memcpy of the same float16 bytes) dark grey.
F16_SUFFIX = "_f16"
IMPLS += [(n + F16_SUFFIX, tuple((v + 255) // 2 for v in c)) for n, c in IMPLS if n.startswith("bnkit")]
IMPLS += [("memcpy_f16", (80, 80, 80))]
OPS = ["infer", "train", "backward"]
LAYOUTS = ["nchw", "nhwc"]

# 3x5 bitmap font: 5 rows of 3 columns, '#' = ink.
_FONT_SRC = {
    "A": "###,#.#,###,#.#,#.#", "B": "##.,#.#,##.,#.#,##.", "C": "###,#..,#..,#..,###",
    "D": "##.,#.#,#.#,#.#,##.", "E": "###,#..,##.,#..,###", "F": "###,#..,##.,#..,#..",
    "G": "###,#..,#.#,#.#,###", "H": "#.#,#.#,###,#.#,#.#", "I": "###,.#.,.#.,.#.,###",
    "J": "..#,..#,..#,#.#,###", "K": "#.#,#.#,##.,#.#,#.#", "L": "#..,#..,#..,#..,###",
    "M": "#.#,###,###,#.#,#.#", "N": "##.,#.#,#.#,#.#,#.#", "O": "###,#.#,#.#,#.#,###",
    "P": "###,#.#,###,#..,#..", "Q": "###,#.#,#.#,###,..#", "R": "##.,#.#,##.,#.#,#.#",
    "S": "###,#..,###,..#,###", "T": "###,.#.,.#.,.#.,.#.", "U": "#.#,#.#,#.#,#.#,###",
    "V": "#.#,#.#,#.#,#.#,.#.", "W": "#.#,#.#,###,###,#.#", "X": "#.#,#.#,.#.,#.#,#.#",
    "Y": "#.#,#.#,.#.,.#.,.#.", "Z": "###,..#,.#.,#..,###",
    "0": "###,#.#,#.#,#.#,###", "1": ".#.,##.,.#.,.#.,###", "2": "###,..#,###,#..,###",
    "3": "###,..#,###,..#,###", "4": "#.#,#.#,###,..#,..#", "5": "###,#..,###,..#,###",
    "6": "###,#..,###,#.#,###", "7": "###,..#,..#,..#,..#", "8": "###,#.#,###,#.#,###",
    "9": "###,#.#,###,..#,###", "/": "..#,..#,.#.,#..,#..", "_": "...,...,...,...,###",
    ".": "...,...,...,...,.#.", "-": "...,...,###,...,...", " ": "...,...,...,...,...",
    "(": ".#.,#..,#..,#..,.#.", ")": ".#.,..#,..#,..#,.#.", "=": "...,###,...,###,...",
}
FONT = {k: [row for row in v.split(",")] for k, v in _FONT_SRC.items()}


class Canvas:
    def __init__(self, w, h, bg=(255, 255, 255)):
        self.w, self.h = w, h
        self.px = bytearray(bytes(bg) * (w * h))

    def rect(self, x0, y0, x1, y1, c):
        x0, x1 = max(0, min(x0, x1)), min(self.w, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.h, max(y0, y1))
        row = bytes(c) * (x1 - x0)
        for y in range(y0, y1):
            i = (y * self.w + x0) * 3
            self.px[i:i + len(row)] = row

    def text(self, x, y, s, c=(0, 0, 0), scale=2):
        for ch in s.upper():
            g = FONT.get(ch, FONT[" "])
            for ry, row in enumerate(g):
                for rx, bit in enumerate(row):
                    if bit == "#":
                        self.rect(x + rx * scale, y + ry * scale, x + (rx + 1) * scale, y + (ry + 1) * scale, c)
            x += 4 * scale

    def png(self):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def load(path):
    """{(op, impl, layout, shape): median ns per element}, and the shape order."""
    with open(path) as f:
        data = json.load(f)
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    res, shapes, runs = {}, [], {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) < 4:
            continue
        op, impl, layout, shape = parts[:4]
        agg = b.get("aggregate_name")
        if agg not in (None, "median"):
            continue
        count = 1
        for d in shape.split("x"):
            count *= int(d)
        t = b["real_time"] * unit.get(b.get("time_unit", "ns"), 1.0) / count
        key = (op, impl, layout, shape)
        if agg == "median":
            res[key] = t
        else:  # plain repetitions: take the median ourselves
            runs.setdefault(key, []).append(t)
        if shape not in shapes:
            shapes.append(shape)
    for key, ts in runs.items():
        if key not in res:
            ts.sort()
            res[key] = ts[len(ts) // 2]
    return res, shapes


SHAPES_L12 = ("1x16x8x8", "1x32x32x32")     # x + y fit in L2 (1 MiB per core)
SHAPES_OOC = ("8x256x56x56",)               # x + y = 51 MB > L3 (32 MiB)
SHAPES_SMALL = ("1x16x8x8", "1x32x32x32", "1x64x56x56")  # the "three smaller shapes"
SIMD = ("bnkit_sse2", "bnkit_avx2", "bnkit_avx512")


def load_full(path):
    """{(op, impl, layout, shape): (median ns per call, median GB/s)}."""
    with open(path) as f:
        data = json.load(f)
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred") or b.get("aggregate_name") != "median":
            continue
        op, impl, layout, shape = b.get("run_name", b["name"]).split("/")[:4]
        out[(op, impl, layout, shape)] = (b["real_time"] * unit.get(b.get("time_unit", "ns"), 1.0),
                                          b.get("bytes_per_second", 0.0) / 1e9)
    return out


def report(path):
    R = load_full(path)
    shapes = []
    for k in R:
        if k[3] not in shapes:
            shapes.append(k[3])
    nan = float("nan")

    def t(op, impl, lay, sh):
        return R.get((op, impl, lay, sh), (nan, 0.0))[0]

    def best(op, lay, sh):
        c = [(t(op, i, lay, sh), i) for i in SIMD if (op, i, lay, sh) in R]
        return min(c) if c else (nan, "none")

    print("| op | layout | shape | bnkit ns | bnkit GB/s | best path: ns | best vs scalar | onednn ns | onednn_blocked ns | memcpy ns | scale ns |")
    print("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for op in OPS:
        for lay in LAYOUTS:
            for sh in shapes:
                if (op, "bnkit", lay, sh) not in R:
                    continue
                a, g = R[(op, "bnkit", lay, sh)]
                bt, bi = best(op, lay, sh)
                print("| %s | %s | %s | %.0f | %.1f | %s: %.0f | %.2fx | %.0f | %.0f | %.0f | %.0f |" % (
                    op, lay, sh, a, g, bi.replace("bnkit_", ""), bt, t(op, "bnkit_scalar", lay, sh) / bt,
                    t(op, "onednn", lay, sh), t(op, "onednn_blocked", lay, sh), t(op, "memcpy", lay, sh),
                    t(op, "scale", lay, sh)))
    print()

    def verdict(name, pairs, limit, less=True):
        """pairs: [(label, ratio)], holds when every ratio <= limit (or >= when not less)."""
        ok = all((r <= limit) if less else (r >= limit) for _, r in pairs)
        worst = [f"{lab} {r:.2f}x" for lab, r in pairs if not ((r <= limit) if less else (r >= limit))]
        shown = worst if worst else [f"{lab} {r:.2f}x" for lab, r in pairs]
        print("- %s %s (limit %s%.2fx): %s" % ("HOLDS" if ok else "MISSES", name, "<=" if less else ">=", limit,
                                               "; ".join(shown)))

    def ratios(op, lays, shs, other, num="bnkit"):
        return [(f"{lay}/{sh}", t(op, num, lay, sh) / t(op, other, lay, sh)) for lay in lays for sh in shs]

    verdict("infer bnkit / scale, every shape", ratios("infer", LAYOUTS, shapes, "scale"), 1.1)
    verdict("infer 8x256x56x56 bnkit / memcpy", ratios("infer", LAYOUTS, ["8x256x56x56"], "memcpy"), 0.9)
    verdict("infer onednn nchw / bnkit (speedup)",
            [(f"nchw/{sh}", t("infer", "onednn", "nchw", sh) / t("infer", "bnkit", "nchw", sh)) for sh in shapes],
            5.0, less=False)
    verdict("infer onednn nhwc / bnkit (speedup)",
            [(f"nhwc/{sh}", t("infer", "onednn", "nhwc", sh) / t("infer", "bnkit", "nhwc", sh)) for sh in shapes],
            1.5, less=False)
    verdict("infer bnkit / onednn_blocked", ratios("infer", LAYOUTS, shapes, "onednn_blocked"), 1.0)
    verdict("infer onednn_blocked / bnkit on the three smaller shapes (speedup)",
            [(f"{lay}/{sh}", t("infer", "onednn_blocked", lay, sh) / t("infer", "bnkit", lay, sh))
             for lay in LAYOUTS for sh in SHAPES_SMALL], 1.5, less=False)
    print("- %s infer 1x16x8x8 whole call <= 80 ns: nchw %.0f ns, nhwc %.0f ns" % (
        "HOLDS" if max(t("infer", "bnkit", l, "1x16x8x8") for l in LAYOUTS) <= 80 else "MISSES",
        t("infer", "bnkit", "nchw", "1x16x8x8"), t("infer", "bnkit", "nhwc", "1x16x8x8")))
    for op, mem in (("train", 1.7), ("backward", 2.8)):
        verdict(f"{op} nchw bnkit / onednn", ratios(op, ["nchw"], shapes, "onednn"), 0.35)
        verdict(f"{op} bnkit / onednn_blocked, both layouts", ratios(op, LAYOUTS, shapes, "onednn_blocked"), 1.1)
        verdict(f"{op} out of cache bnkit / memcpy", ratios(op, LAYOUTS, SHAPES_OOC, "memcpy"), mem)
    for op in OPS:
        verdict(f"{op} best path vs scalar on L1/L2 shapes (speedup)",
                [(f"{lay}/{sh}", t(op, "bnkit_scalar", lay, sh) / best(op, lay, sh)[0])
                 for lay in LAYOUTS for sh in SHAPES_L12], 4.0, less=False)
    report_f16(R, shapes)


def report_f16(R, shapes):
    """The float16 rows against float32 and memcpy_f16, and issue 5's targets (8x256x56x56)."""
    nan = float("nan")
    if not any(k[1].endswith(F16_SUFFIX) for k in R):
        return

    def t(op, impl, lay, sh):
        return R.get((op, impl, lay, sh), (nan, 0.0))[0]

    print()
    print("| op | layout | shape | f32 bnkit ns | f16 bnkit ns | f16 elements/s / f32 | memcpy_f16 ns | f16 bnkit / memcpy_f16 |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for op in ("infer", "train"):
        for lay in LAYOUTS:
            for sh in shapes:
                if (op, "bnkit_f16", lay, sh) not in R:
                    continue
                a, h, m = t(op, "bnkit", lay, sh), t(op, "bnkit_f16", lay, sh), t(op, "memcpy_f16", lay, sh)
                print("| %s | %s | %s | %.0f | %.0f | %.2fx | %.0f | %.2f |" % (op, lay, sh, a, h, a / h, m, h / m))
    print()
    big = "8x256x56x56"
    for name, pairs, limit, less in (
            ("f16 infer %s elements/s vs f32 (speedup)" % big,
             [(lay, t("infer", "bnkit", lay, big) / t("infer", "bnkit_f16", lay, big)) for lay in LAYOUTS], 1.7, False),
            ("f16 infer %s bnkit_f16 / memcpy_f16" % big,
             [(lay, t("infer", "bnkit_f16", lay, big) / t("infer", "memcpy_f16", lay, big)) for lay in LAYOUTS], 1.15, True)):
        ok = all(not math.isnan(r) and ((r <= limit) if less else (r >= limit)) for _, r in pairs)
        print("- %s %s (limit %s%.2fx): %s" % ("HOLDS" if ok else "MISSES", name, "<=" if less else ">=", limit,
                                               "; ".join(f"{lab} {r:.2f}x" for lab, r in pairs)))


def main(argv):
    want_report = "--report" in argv
    argv = [a for a in argv if a != "--report"]
    if len(argv) < 2:
        print(__doc__)
        return 2
    out = argv[2] if len(argv) > 2 else "bench.png"
    res, shapes = load(argv[1])
    if not res:
        print("no results in", argv[1])
        return 1
    impls = [(n, c) for n, c in IMPLS if any(k[1] == n for k in res)]
    vals = [v for v in res.values() if v > 0]
    lo = math.floor(math.log10(min(vals)))
    hi = math.ceil(math.log10(max(vals)))
    if hi == lo:
        hi += 1

    pw, ph = 760, 300  # panel size
    ml, gap = 60, 40
    W = ml + 2 * (pw + gap)
    # legend entries, wrapped onto as many rows as they need
    entries, x, row = [], ml, 0
    for name, col in impls:
        width = 18 + 8 * len(name) + 20
        if x + width > W and x > ml:
            x, row = ml, row + 1
        entries.append((x, 12 + 22 * row, name, col))
        x += width
    mt = 70 + 22 * row
    H = mt + 3 * (ph + gap + 30)
    cv = Canvas(W, H)
    for x, y, name, col in entries:
        cv.rect(x, y, x + 14, y + 14, col)
        cv.text(x + 18, y + 1, name)
    cv.text(ml, mt - 30, "MEDIAN WALL NS PER ELEMENT, LOG SCALE, GRID = POWERS OF 10 (%g TO %g)" % (10.0 ** lo, 10.0 ** hi))

    for r, op in enumerate(OPS):
        for cidx, layout in enumerate(LAYOUTS):
            x0 = ml + cidx * (pw + gap)
            y0 = mt + r * (ph + gap + 30)
            cv.text(x0, y0 - 14 + 10, "%s %s" % (op, layout))
            top, bot = y0 + 12, y0 + 12 + ph

            def ypix(v):
                f = (math.log10(v) - lo) / (hi - lo)
                return int(bot - f * (bot - top))

            cv.rect(x0, top, x0 + pw, bot, (245, 245, 245))
            for d in range(lo, hi + 1):
                y = ypix(10.0 ** d)
                cv.rect(x0, y, x0 + pw, y + 1, (200, 200, 200))
                cv.text(x0 - 40 if d < 0 else x0 - 24, y - 5, ("%g" % (10.0 ** d))[:5], (90, 90, 90), 1)
            gw = pw / max(1, len(shapes))
            bw = max(2, int((gw - 16) / max(1, len(impls))))
            for si, shape in enumerate(shapes):
                gx = int(x0 + si * gw + 8)
                for ii, (name, col) in enumerate(impls):
                    v = res.get((op, name, layout, shape))
                    if v is None or v <= 0:
                        continue
                    bx = gx + ii * bw
                    cv.rect(bx, max(top, ypix(v)), bx + bw - 1, bot, col)
                cv.text(gx, bot + 6, shape, (0, 0, 0), 2 if len(shape) * 8 < gw else 1)
    with open(out, "wb") as f:
        f.write(cv.png())
    print("wrote", out)
    if want_report:
        report(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
