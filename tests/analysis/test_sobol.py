"""Sobol indices: the Saltelli design and estimators against Ishigami's analytic values."""

import numpy as np

from sim.analysis.sobol import saltelli_design, sobol_from_evaluations

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])


ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_within_bootstrap_interval():
    d, n = 3, 4096
    x = -np.pi + 2 * np.pi * saltelli_design(d, n, seed=1)
    first, total, ci = sobol_from_evaluations(ishigami(x)[None], d, n, seed=1)
    assert np.all(ci[0, 0, 0] <= ISHIGAMI_S1) and np.all(ISHIGAMI_S1 <= ci[0, 1, 0])
    assert np.all(ci[1, 0, 0] <= ISHIGAMI_ST) and np.all(ISHIGAMI_ST <= ci[1, 1, 0])
    # loosely, and tightly against this seed's own values
    np.testing.assert_allclose(first[0], ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(total[0], ISHIGAMI_ST, atol=0.03)


def test_intervals_belong_to_the_reported_estimator_whatever_the_outputs_mean():
    d, n = 3, 1024
    x = -np.pi + 2 * np.pi * saltelli_design(d, n, seed=3)
    f = ishigami(x)[None]
    first, total, ci = sobol_from_evaluations(f, d, n, seed=3)
    shifted_first, shifted_total, shifted_ci = sobol_from_evaluations(f + 100.0, d, n, seed=3)
    # an offset changes neither the indices nor their intervals (the estimator centres the outputs)
    np.testing.assert_allclose(shifted_first, first, atol=1e-9)
    np.testing.assert_allclose(shifted_total, total, atol=1e-9)
    np.testing.assert_allclose(shifted_ci, ci, atol=1e-9)
    # and the first-order intervals are as narrow as the estimator's spread: about ±0.05 at n = 1024
    width = ci[0, 1, 0] - ci[0, 0, 0]
    assert np.all(width < 0.15), width


def salib_layout(f, d, n):
    """sim's runs (A, B, then an AB block per factor) in SALib's order: per base row A, AB_1..AB_d, B."""
    a, b, ab = f[:n], f[n:2 * n], f[2 * n:].reshape(d, n)
    return np.column_stack([a, ab.T, b]).reshape(-1)


def test_sim_and_salib_agree_on_the_same_runs():
    from SALib.analyze import sobol as salib_sobol

    d, n = 3, 1024
    x = -np.pi + 2 * np.pi * saltelli_design(d, n, seed=5)
    f = ishigami(x) + 50.0
    first, total, _ = sobol_from_evaluations(f[None], d, n, seed=5)
    problem = {"num_vars": d, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * d}
    salib = salib_sobol.analyze(problem, salib_layout(f, d, n), calc_second_order=False, seed=5)
    np.testing.assert_allclose(first[0], salib["S1"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(total[0], salib["ST"], rtol=0, atol=1e-8)


def test_a_group_moves_its_columns_together_and_its_index_is_the_groups():
    d, n = 3, 2048
    unit = saltelli_design(d, n, seed=7, groups=[[0, 2], [1]])
    assert unit.shape == (n * 4, d)
    A, B, AB = unit[:n], unit[n:2 * n], unit[2 * n:].reshape(2, n, d)
    np.testing.assert_array_equal(AB[0][:, [0, 2]], B[:, [0, 2]])
    np.testing.assert_array_equal(AB[0][:, 1], A[:, 1])
    first, total, _ = sobol_from_evaluations(ishigami(-np.pi + 2 * np.pi * unit)[None], 2, n, seed=7)
    # x1 and x3 together: S1 of the group = S1 + S3 + S13 = 1 - S2; ST = 1 - S2 as well
    np.testing.assert_allclose(first[0, 0], 1 - ISHIGAMI_S1[1], atol=0.05)
    np.testing.assert_allclose(total[0, 0], 1 - ISHIGAMI_S1[1], atol=0.05)
