"""ctrain's FID (cluster/analysis/fid.c, through fid_dump) against the
textbook computation with NumPy and scipy.linalg.sqrtm (as pytorch-fid):
  ||mu_a - mu_b||^2 + tr(C_a) + tr(C_b) - 2 tr(Re sqrtm(C_a C_b)),
on random correlated features of different means, several sizes and chunkings;
and the means and covariances against np.mean and np.cov.
Usage: test_fid_scipy.py FID_DUMP TMPDIR"""
import os
import subprocess
import sys

import h5py
import numpy as np
import scipy.linalg

# Relative to the FID. Seen: 2e-12 at worst. Against a 40-digit evaluation
# (mpmath), scipy's sqrtm of the non-symmetric C_a C_b is itself off by up to
# 1e-11 on these cases and ctrain's eigenvalue route by 5e-12 (the square
# roots of M's smallest eigenvalues, for covariances of condition 1e4-1e7).
FID_TOLERANCE = 1e-9
MOMENT_TOLERANCE = 1e-12  # relative to the largest |entry|

dump, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
rng = np.random.default_rng(20240601)


def sample(n, d, mean, mix):
    """n rows of d correlated features: mean + z mix^T, z standard normal."""
    return (mean + rng.standard_normal((n, d)) @ mix.T).astype(np.float32)


def textbook_fid(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    c_a, c_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(c_a @ c_b).real
    return (mu_a - mu_b) @ (mu_a - mu_b) + np.trace(c_a) + np.trace(c_b) - 2 * np.trace(root)


def relative(got, want):
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


worst_fid, worst_moments, failures = 0.0, 0.0, []
# (d, na, nb, offset of the means, chunk of a's rows)
cases = [(d, na, nb, offset, chunk) for d in (2, 16, 64) for na, nb in ((100, 100), (1000, 100), (1000, 1000))
         for offset, chunk in ((0.0, 37), (100.0, 1000))]
for d, na, nb, offset, chunk in cases:
    mix_a = rng.standard_normal((d, d)) / np.sqrt(d)
    mix_b = mix_a + 0.3 * rng.standard_normal((d, d)) / np.sqrt(d)
    mean_a = offset + rng.standard_normal(d)
    mean_b = mean_a + 0.2 * rng.standard_normal(d)
    a, b = sample(na, d, mean_a, mix_a), sample(nb, d, mean_b, mix_b)
    path = os.path.join(tmp, f"fid-{d}-{na}-{nb}-{offset:g}.h5")
    with h5py.File(path, "w") as f:
        f["a"], f["b"] = a, b
    computed = path.replace(".h5", "-c.h5")
    out = subprocess.run([dump, path, str(chunk), computed], check=True, capture_output=True, text=True).stdout
    got = float(out.split()[1])
    want = textbook_fid(a, b)
    with h5py.File(computed, "r") as f:
        moments = max(relative(f["mean_a"][()], a.astype(np.float64).mean(axis=0)),
                      relative(f["mean_b"][()], b.astype(np.float64).mean(axis=0)),
                      relative(f["cov_a"][()], np.cov(a.astype(np.float64), rowvar=False)),
                      relative(f["cov_b"][()], np.cov(b.astype(np.float64), rowvar=False)))
    error = abs(got - want) / abs(want)
    worst_fid, worst_moments = max(worst_fid, error), max(worst_moments, moments)
    print(f"d {d:2} na {na:4} nb {nb:4} mean offset {offset:5g}: FID {got:.12g} scipy {want:.12g} "
          f"relative {error:.1e}; moments {moments:.1e}")
    if not error <= FID_TOLERANCE:
        failures.append(f"d {d} na {na} nb {nb}: FID {got!r}, scipy {want!r}")
    if not moments <= MOMENT_TOLERANCE:
        failures.append(f"d {d} na {na} nb {nb}: moments differ from NumPy's by {moments:.3g}")
if failures:
    sys.exit("FAIL: " + "; ".join(failures))
print(f"PASS: {len(cases)} cases, FID within {worst_fid:.1e} of scipy's (tolerance {FID_TOLERANCE:g}), "
      f"moments within {worst_moments:.1e} of NumPy's")
