"""Prioritised replay over the ranks' shards (dqn_replay_dump draws with the
family's code): at 1, 2 and 3 ranks, transition i is drawn with frequency
p_i^alpha / sum p^alpha (chi-square goodness of fit), the 2- and 3-rank
draws are the 1-rank draw over the union of the shards in distribution
(chi-square test of homogeneity), and every drawn transition carries the
importance weight (min p^alpha / p_i^alpha)^beta."""
import subprocess
import sys

import numpy as np
from scipy import stats

from ctrain_test import check, mpi_prefix

DUMP = sys.argv[1]
N, UPDATES, BATCH, ALPHA, BETA = 60, 2000, 32, 0.6, 0.5


def draws(np_):
    out = subprocess.run(mpi_prefix(np_) + [DUMP, str(N), str(UPDATES), str(BATCH), str(ALPHA), str(BETA)],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    rows = np.array([[float(v) for v in line.split()] for line in out.splitlines()])
    check(rows.shape == (N, 4), f"np={np_}: {rows.shape} rows of output:\n{out[:500]}")
    return rows[:, 1], rows[:, 2], rows[:, 3]


counts = {}
for np_ in (1, 2, 3):
    priority, count, weight = draws(np_)
    check(count.sum() == UPDATES * BATCH, f"np={np_}: {count.sum()} draws, expected {UPDATES * BATCH}")
    expected = priority / priority.sum() * count.sum()
    chi2, p = stats.chisquare(count, expected)
    check(p > 1e-3, f"np={np_}: frequencies do not follow the priorities: chi2 {chi2:.1f}, p {p:.2g}")
    want = (priority.min() / priority) ** BETA
    drawn = count > 0
    check(drawn.all(), f"np={np_}: transitions never drawn: {np.flatnonzero(~drawn)}")
    check(np.allclose(weight, want, rtol=1e-6), f"np={np_}: weights {weight[:8]}, expected {want[:8]}")
    counts[np_] = count
    print(f"np={np_}: chi-square against the priorities {chi2:.1f} on {N - 1} degrees of freedom, p = {p:.3f}; "
          f"weights (min p / p)^{BETA} from {want.min():.3f} to 1")
# Sanity of the test itself: a uniform draw would fail it.
chi2, p = stats.chisquare(np.full(N, UPDATES * BATCH / N), priority / priority.sum() * UPDATES * BATCH)
check(p < 1e-6, f"test bug: uniform frequencies pass the chi-square test (p {p:.2g})")
for np_ in (2, 3):
    chi2, p, _, _ = stats.chi2_contingency(np.stack([counts[1], counts[np_]]))
    same = int((counts[1] == counts[np_]).sum())
    check(p > 1e-3, f"np={np_} against np=1: chi2 {chi2:.1f}, p {p:.2g}")
    print(f"np={np_} against np=1 (homogeneity): chi2 {chi2:.2f}, p = {p:.3f}; {same} of {N} counts equal")
