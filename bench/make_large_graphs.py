#!/usr/bin/env python3
"""Write random graph files of the real datasets' sizes, for timing the
loaders (bench/graph_load.ts): not the data, only its shapes and formats.

  <out>/dgraphfin.npz      DGraph-Fin: x (3,700,550 × 17 float32), y, edge_index
                           (4,300,999 × 2 int64), edge_type, edge_timestamp,
                           train/valid/test_mask (int64 indices), numpy.savez
  <out>/arxiv/...          ogbn-arxiv raw CSV layout: 169,343 × 128 features
                           written as OGB does ("%f"-style decimals), 1,166,243
                           edges, labels, years, time split; gzip

Usage: /usr/bin/python3 bench/make_large_graphs.py /tmp/graphs   (needs numpy)"""
import gzip
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)
os.makedirs(out, exist_ok=True)

# DGraph-Fin. Assumed dtypes (not checked against the published file): float32 x, int64 elsewhere;
# the loader reads any numeric dtype (a float64 x adds ~250 MB to the peak).
n, e = 3_700_550, 4_300_999
y = rng.choice(4, n, p=[0.3, 0.005, 0.45, 0.245]).astype(np.int64)
fg = np.nonzero(y < 2)[0]
rng.shuffle(fg)
a, b = int(0.7 * len(fg)), int(0.85 * len(fg))
np.savez(
    f"{out}/dgraphfin.npz",
    x=rng.standard_normal((n, 17)).astype(np.float32),
    y=y,
    edge_index=rng.integers(0, n, (e, 2), dtype=np.int64),
    edge_type=rng.integers(1, 12, e, dtype=np.int64),
    edge_timestamp=rng.integers(1, 822, e, dtype=np.int64),
    train_mask=np.sort(fg[:a]),
    valid_mask=np.sort(fg[a:b]),
    test_mask=np.sort(fg[b:]),
)

# ogbn-arxiv.
n, e = 169_343, 1_166_243
os.makedirs(f"{out}/arxiv/raw", exist_ok=True)
os.makedirs(f"{out}/arxiv/split/time", exist_ok=True)


def write(path, arr, fmt):
    with gzip.open(f"{out}/arxiv/{path}", "wt", compresslevel=6) as f:
        np.savetxt(f, arr, fmt=fmt, delimiter=",")


write("raw/node-feat.csv.gz", rng.standard_normal((n, 128)).astype(np.float32) * 0.1, "%.6f")
write("raw/edge.csv.gz", rng.integers(0, n, (e, 2)), "%d")
write("raw/node-label.csv.gz", rng.integers(0, 40, n), "%d")
write("raw/node_year.csv.gz", rng.integers(1971, 2021, n), "%d")
perm = rng.permutation(n)
write("split/time/train.csv.gz", np.sort(perm[:90941]), "%d")
write("split/time/valid.csv.gz", np.sort(perm[90941:90941 + 29799]), "%d")
write("split/time/test.csv.gz", np.sort(perm[90941 + 29799:]), "%d")
