#!/usr/bin/python3
"""Draw BENCHMARKS.md's charts from run-peers.sh results (Debian python3-matplotlib; run with /usr/bin/python3).

  charts.py [--out DIR] [--baseline SERVER] [--rss RSS_CSV]... [RESULTS_CSV...]

From one or more results.csv of ../shared/bench/run-peers.sh (as sweep.sh runs it), into DIR (default: charts/
next to the first input):
  per-core-ratio.png  requests per server core (rps / (srv_cpu_pct / 100)) divided by the baseline's in the same
                      round, per scenario and server: bars are the median over rounds, dots the single rounds
                      (the same figures in per-core-ratio.csv: scenario, server, median_ratio, rounds)
  shapes.png          throughput, throughput per server core and p99 against connections x streams (unary calls
                      of the size measured at the most shapes): medians, bars from the lowest to the highest round
  sizes.png           the same against message size (log x), at the shape measured with the most sizes
From rss.csv files of rss.sh:
  rss.png             resident memory against time, one line per server; rss-summary.txt says whether each is flat
                      (the median of its last 10 s within 5 % of its first 10 s) and its ratio to raw-vertx

A max-message.csv next to a results.csv (written by sweep.sh) lists the (server, size) pairs whose echo failed;
their rows are left out, because h2load counts gRPC errors sent with HTTP 200 as successes. The title of each chart
takes the date, load average range and rounds from the data (env.txt next to each CSV), so a given input always
gives the same PNGs.
"""
import argparse
import csv
import math
import os
import re
import statistics
import sys

plt = None  # matplotlib.pyplot, imported by main() once there is something to draw (it takes a second)

SCENARIO = re.compile(r"^(?P<tool>[a-z0-9]+)-(?P<kind>unary|stream)-(?P<size>[0-9x]+)B-c(?P<conns>\d+)m(?P<streams>\d+)$")
METADATA = {"Software": "rpc-vertx docs/bench/charts.py"}
FLAT_TOLERANCE = 0.05


def num(value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def size_label(n):
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return "%d %s" % (n // factor, unit)
    return "%d B" % n


def scenario_label(s):
    m = SCENARIO.match(s)
    if not m:
        return s
    size = m.group("size")
    if "x" in size:
        b, count = size.split("x")
        what = "stream %s x %s" % (count, size_label(int(b)))
    else:
        what = "%s %s" % (m.group("kind"), size_label(int(size)))
    tool = "" if m.group("tool") == "h2" else " (%s)" % m.group("tool")
    return "%s%s\n%s x %s" % (what, tool, m.group("conns"), m.group("streams"))


def read_env(directory):
    """date (YYYY-MM-DD) and the KEY=VALUE settings of env.txt (the first value of each key), if there is one."""
    date, settings = None, {}
    path = os.path.join(directory, "env.txt")
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                if line.startswith("date: "):
                    date = line[6:16]
                elif not line.startswith("server "):
                    for key, value in re.findall(r"\b([A-Z_]+)=(\S+)", line):
                        settings.setdefault(key, value)
    return date, settings


def read_refused(directory):
    refused = {}
    path = os.path.join(directory, "max-message.csv")
    if os.path.isfile(path):
        with open(path) as f:
            for r in csv.DictReader(f):
                if r["result"] != "ok":
                    refused[(r["server"], int(r["size"]))] = r["result"]
    return refused


class Run:
    """Rows of one or more results.csv; a round is (file index, round) so rounds of different files stay apart."""

    def __init__(self, paths):
        self.rows, self.servers, self.scenarios, self.refused = [], [], [], {}
        self.dates, self.durations, self.loads = set(), set(), []
        left_out = {}
        for index, path in enumerate(paths):
            directory = os.path.dirname(os.path.abspath(path))
            date, settings = read_env(directory)
            if date:
                self.dates.add(date)
            if settings.get("DURATION", "").isdigit():
                self.durations.add(int(settings["DURATION"]))
            refused = read_refused(directory)
            self.refused.update(refused)
            with open(path) as f:
                for r in csv.DictReader(f):
                    m = SCENARIO.match(r["scenario"])
                    if not m:
                        continue
                    size = m.group("size")
                    row = {
                        "round": (index, r["round"]),
                        "scenario": r["scenario"],
                        "server": r["server"],
                        "tool": m.group("tool"),
                        "kind": m.group("kind"),
                        "size": int(size) if size.isdigit() else None,
                        "conns": int(m.group("conns")),
                        "streams": int(m.group("streams")),
                        "rps": num(r["rps"]),
                        "p99_ms": num(r["p99_us"]) / 1000.0,
                        "cpu": num(r["srv_cpu_pct"]),
                    }
                    self.loads.append(num(r.get("load1")))
                    if row["kind"] == "unary" and (row["server"], row["size"]) in refused:
                        key = (row["server"], row["scenario"], refused[(row["server"], row["size"])])
                        left_out[key] = left_out.get(key, 0) + 1
                        continue
                    if not row["rps"] > 0:
                        continue
                    cpu = row["cpu"]
                    row["per_core"] = row["rps"] / (cpu / 100.0) if cpu > 0 else float("nan")
                    self.rows.append(row)
                    if row["server"] not in self.servers:
                        self.servers.append(row["server"])
                    if row["scenario"] not in self.scenarios:
                        self.scenarios.append(row["scenario"])
        self.rounds = sorted({r["round"] for r in self.rows})
        for (server, scenario, result), n in left_out.items():
            print("left out: %s %s, %s in max-message.csv (%d row%s)" % (server, scenario, result, n, "" if n == 1 else "s"))

    def title(self, what):
        dates = ", ".join(sorted(self.dates)) or "date unknown"
        loads = [v for v in self.loads if not math.isnan(v)]
        load = "load %.1f-%.1f" % (min(loads), max(loads)) if loads else "load unknown"
        rounds = "%d round%s" % (len(self.rounds), "" if len(self.rounds) == 1 else "s")
        if len(self.durations) == 1:
            rounds += " of %d s" % next(iter(self.durations))
        return "%s\n%s, %s, %s" % (what, dates, load, rounds)

    def colors(self):
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        return {s: cycle[i % len(cycle)] for i, s in enumerate(self.servers)}

    def refused_note(self, server):
        sizes = sorted(size for (srv, size) in self.refused if srv == server)
        if not sizes:
            return server
        reasons = sorted({self.refused[(server, s)].replace("refused:", "") for s in sizes})
        return "%s (refused %s: %s)" % (server, ", ".join(size_label(s) for s in sizes), "/".join(reasons))


def save(fig, path):
    fig.savefig(path, dpi=100, metadata=METADATA)
    plt.close(fig)
    print("wrote %s" % path)


def per_core_ratio_chart(run, baseline, path):
    others = [s for s in run.servers if s != baseline]
    groups = []
    for scen in run.scenarios:
        base = {r["round"]: r["per_core"] for r in run.rows if r["scenario"] == scen and r["server"] == baseline}
        ratios = {}
        for srv in others:
            vals = [r["per_core"] / base[r["round"]] for r in run.rows
                    if r["scenario"] == scen and r["server"] == srv and base.get(r["round"], 0) > 0]
            vals = [v for v in vals if not math.isnan(v)]
            if vals:
                ratios[srv] = vals
        if ratios:
            groups.append((scen, ratios))
    if not groups or not others:
        print("per-core-ratio.png: skipped (no scenario has %s and another server in the same round)" % baseline)
        return False
    colors = run.colors()
    width = 0.8 / len(others)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.25 * len(groups) + 2.5), 5.5))
    for j, srv in enumerate(others):
        xs, heights = [], []
        for g, (_, ratios) in enumerate(groups):
            if srv in ratios:
                x = g + (j - (len(others) - 1) / 2.0) * width
                xs.append(x)
                heights.append(median(ratios[srv]))
                ax.plot([x] * len(ratios[srv]), ratios[srv], "o", color="black", markersize=3, zorder=3)
        bars = ax.bar(xs, heights, width * 0.92, color=colors[srv], label=run.refused_note(srv), zorder=2)
        for bar, h in zip(bars, heights):
            ax.annotate("%.2f" % h, (bar.get_x() + bar.get_width() / 2, h), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--", zorder=1)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([scenario_label(s) for s, _ in groups], fontsize=8)
    ax.set_ylabel("requests per server core / %s's (same round)" % baseline)
    ax.set_xlabel("scenario (unary: message size, connections x concurrent streams per connection)")
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              title="bars: median of rounds, dots: rounds", title_fontsize=8)
    ax.set_title(run.title("Per-core throughput relative to %s (dashed line = 1.0)" % baseline), fontsize=10)
    fig.tight_layout()
    save(fig, path)
    # the bars as numbers, for the tables of BENCHMARKS.md
    table = os.path.splitext(path)[0] + ".csv"
    with open(table, "w") as f:
        f.write("scenario,server,median_ratio,rounds\n")
        for scen, ratios in groups:
            for srv in others:
                if srv in ratios:
                    f.write("%s,%s,%.3f,%s\n" % (scen, srv, median(ratios[srv]), " ".join("%.3f" % v for v in ratios[srv])))
    print("wrote %s" % table)
    return True


def unary_rows(run):
    rows = [r for r in run.rows if r["kind"] == "unary"]
    if any(r["tool"] == "h2" for r in rows):
        rows = [r for r in rows if r["tool"] == "h2"]
    return rows


def sweep_panels(run, rows, xkey, xs, xlabel, title, path, logx):
    """One chart of three panels (req/s, req/s per server core, p99) against xs, one line per server."""
    colors = run.colors()
    servers = [s for s in run.servers if any(r["server"] == s for r in rows)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    panels = (("rps", "requests/s", True), ("per_core", "requests/s per server core", True), ("p99_ms", "p99 latency (ms)", True))
    positions = {x: (x if logx else i) for i, x in enumerate(xs)}
    for ax, (key, ylabel, logy) in zip(axes, panels):
        for j, srv in enumerate(servers):
            px, mid, lo, hi = [], [], [], []
            for x in xs:
                vals = [r[key] for r in rows if r["server"] == srv and xkey(r) == x and not math.isnan(r[key])]
                if not vals:
                    continue
                dodge = (j - (len(servers) - 1) / 2.0) * 0.05
                px.append(positions[x] * (2 ** dodge) if logx else positions[x] + dodge)
                m = median(vals)
                mid.append(m)
                lo.append(m - min(vals))
                hi.append(max(vals) - m)
            if px:
                ax.errorbar(px, mid, yerr=[lo, hi], marker="o", markersize=4, capsize=3, linewidth=1.5,
                            color=colors[srv], label=run.refused_note(srv))
        if logx:
            ax.set_xscale("log", base=2)
        ax.set_xticks([positions[x] for x in xs])
        ax.set_xticklabels([xlabel[1](x) for x in xs], fontsize=8)
        ax.minorticks_off()
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel[0])
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8,
               title="median of rounds, bars: lowest..highest round", title_fontsize=8)
    fig.suptitle(run.title(title), fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    save(fig, path)


def shapes_chart(run, path):
    rows = unary_rows(run)
    shapes_per_size = {}
    for r in rows:
        shapes_per_size.setdefault(r["size"], set()).add((r["conns"], r["streams"]))
    if not shapes_per_size:
        print("shapes.png: skipped (no unary rows)")
        return False
    size = sorted(shapes_per_size, key=lambda s: (-len(shapes_per_size[s]), s))[0]
    shapes = sorted(shapes_per_size[size], key=lambda cs: (cs[0] * cs[1], cs[0]))
    if len(shapes) < 2:
        print("shapes.png: skipped (fewer than two connections x streams points)")
        return False
    rows = [r for r in rows if r["size"] == size]
    sweep_panels(run, rows, lambda r: (r["conns"], r["streams"]), shapes,
                 ("connections x concurrent streams per connection", lambda cs: "%dx%d" % cs),
                 "Unary %s against connections x streams" % size_label(size), path, logx=False)
    return True


def sizes_chart(run, path):
    rows = unary_rows(run)
    sizes_per_shape = {}
    for r in rows:
        sizes_per_shape.setdefault((r["conns"], r["streams"]), set()).add(r["size"])
    if not sizes_per_shape:
        print("sizes.png: skipped (no unary rows)")
        return False
    shape = sorted(sizes_per_shape, key=lambda cs: (-len(sizes_per_shape[cs]), cs))[0]
    sizes = sorted(sizes_per_shape[shape])
    if len(sizes) < 2:
        print("sizes.png: skipped (fewer than two message sizes at one shape)")
        return False
    rows = [r for r in rows if (r["conns"], r["streams"]) == shape]
    sweep_panels(run, rows, lambda r: r["size"], sizes, ("message size (log scale)", size_label),
                 "Unary calls against message size, %d x %d (connections x streams)" % shape, path, logx=True)
    return True


def rss_chart(paths, out):
    series, loads, dates, shapes = {}, [], set(), set()
    for path in paths:
        date, settings = read_env(os.path.dirname(os.path.abspath(path)))
        if date:
            dates.add(date)
        if all(k in settings for k in ("CONNS", "STREAMS", "SIZE", "DURATION")):
            shapes.add("h2load %s x %s, unary %s, %s s" % (settings["CONNS"], settings["STREAMS"],
                                                            size_label(int(settings["SIZE"])), settings["DURATION"]))
        with open(path) as f:
            for r in csv.DictReader(f):
                series.setdefault(r["server"], []).append((int(r["t_s"]), num(r["rss_mb"])))
                loads.append(num(r["load1"]))
    if not series:
        print("rss.png: skipped (no samples)")
        return False
    lines = []
    measured = {}
    for srv, points in series.items():
        points.sort()
        steady = [v for t, v in points if t >= 0]
        measured[srv] = steady
        if len(steady) < 20:
            lines.append("%s: %d samples at t >= 0, too few to judge (20 needed)" % (srv, len(steady)))
            continue
        first, last = median(steady[:10]), median(steady[-10:])
        growth = (last - first) / first
        # the trend after the first 10 s, where the judged window ends: what a leak would show
        late = [(t, v) for t, v in points if t >= 10]
        slope = (statistics.linear_regression([t for t, _ in late], [v for _, v in late]).slope * 60
                 if len(late) > 1 else float("nan"))
        verdict = "flat" if abs(growth) <= FLAT_TOLERANCE else "NOT flat"
        lines.append("%s: %s: first 10 s %.1f MB, last 10 s %.1f MB (%+.1f %%), trend after 10 s %+.1f MB/min, min..max %.1f..%.1f MB"
                     % (srv, verdict, first, last, growth * 100, slope, min(steady), max(steady)))
    if measured.get("raw-vertx"):
        base = median(measured["raw-vertx"])
        for srv, steady in measured.items():
            if srv != "raw-vertx" and steady:
                lines.append("%s: median RSS %.2fx raw-vertx's (%.1f MB against %.1f MB)"
                             % (srv, median(steady) / base, median(steady), base))
    fig, ax = plt.subplots(figsize=(10, 5.5))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (srv, points) in enumerate(series.items()):
        ax.plot([t for t, _ in points], [v for _, v in points], marker=".", markersize=3, linewidth=1.5,
                color=cycle[i % len(cycle)], label=srv)
    tmin = min(t for points in series.values() for t, _ in points)
    if tmin < 0:
        ax.axvspan(tmin, 0, color="grey", alpha=0.15, label="warm-up (not judged)")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("seconds of load after the warm-up (t < 0: warm-up, under the same load)")
    ax.set_ylabel("server RSS (MB, VmRSS)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    loads = [v for v in loads if not math.isnan(v)]
    load = "load %.1f-%.1f" % (min(loads), max(loads)) if loads else "load unknown"
    ax.set_title("Server resident memory under steady load (%s), one sample per second\n%s, %s"
                 % ("; ".join(sorted(shapes)) or "unary", ", ".join(sorted(dates)) or "date unknown", load), fontsize=10)
    fig.tight_layout()
    save(fig, os.path.join(out, "rss.png"))
    with open(os.path.join(out, "rss-summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return True


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="*", help="results.csv of run-peers.sh / sweep.sh")
    parser.add_argument("--out", help="output directory (default: charts/ next to the first input)")
    parser.add_argument("--baseline", default="raw-vertx", help="server of the ratio's denominator [raw-vertx]")
    parser.add_argument("--rss", action="append", default=[], help="rss.csv of rss.sh (repeatable)")
    args = parser.parse_args(argv)
    if not args.results and not args.rss:
        parser.error("give at least one results.csv or --rss rss.csv")
    for path in args.results + args.rss:
        if not os.path.isfile(path):
            parser.error("no such file: %s" % path)
    first = (args.results or args.rss)[0]
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(first)), "charts")
    run = Run(args.results) if args.results else None
    if run is not None and not run.rows:
        print("no usable rows in %s" % ", ".join(args.results), file=sys.stderr)
        return 1
    global plt
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    plt = matplotlib.pyplot
    os.makedirs(out, exist_ok=True)
    drawn = 0
    if run is not None:
        drawn += per_core_ratio_chart(run, args.baseline, os.path.join(out, "per-core-ratio.png"))
        drawn += shapes_chart(run, os.path.join(out, "shapes.png"))
        drawn += sizes_chart(run, os.path.join(out, "sizes.png"))
    if args.rss:
        drawn += rss_chart(args.rss, out)
    return 0 if drawn else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
