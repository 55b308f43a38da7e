"""The region filter an orchestrator would write in Python, for comparison with
`cargo bench -p regionkit-core` (cold_resolve_60_regions_3_globs).

The same input as the Rust benchmark: 60 regions, every seventh not enabled, a backend
restriction of two globs and a run restriction of one, globs compiled once to regular
expressions, regions in a dict. Run with `python3 crates/core/benches/python_filter.py`.
"""

import fnmatch
import re
import timeit


def regions(count):
    out = {}
    for i in range(count):
        rid = f"{['us', 'eu', 'ap'][i % 3]}-{['east', 'west'][i % 2]}-{i}"
        out[rid.lower()] = {"id": rid, "enabled": i % 7 != 0}
    return out


def compile_globs(patterns):
    return [re.compile(fnmatch.translate(p.lower())) for p in patterns]


LIVE = regions(60)
BACKEND = compile_globs(["us-*", "eu-west-*"])
RUN = compile_globs(["US-EAST-*"])


def resolve():
    kept, excluded = [], []
    for key, region in LIVE.items():
        if not region["enabled"]:
            excluded.append((region["id"], "not-enabled"))
        elif not any(g.match(key) for g in BACKEND):
            excluded.append((region["id"], "not-in-backend-config"))
        elif not any(g.match(key) for g in RUN):
            excluded.append((region["id"], "not-in-run-config"))
        else:
            kept.append(region)
    return kept, excluded


if __name__ == "__main__":
    runs = 20_000
    best = min(timeit.repeat(resolve, number=runs, repeat=7)) / runs
    print(f"python filter, 60 regions, 3 globs: {best * 1e6:.2f} µs per call (best of 7 × {runs})")
