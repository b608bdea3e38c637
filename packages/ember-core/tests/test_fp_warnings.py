"""inf and nan come silently, as in PyTorch; NumPy code outside ember still warns."""

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    # A fresh interpreter with Python's default warning filters: under pytest's own
    # filters the warnings would be errors, ahead of ember's filter.
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_ops_that_make_inf_or_nan_do_not_warn():
    run = _run(
        """
        import ember
        inf = ember.tensor([float("inf")])
        big = ember.tensor([1e38])
        for r in (inf * 0, inf - inf, inf + -inf, big * 10, big.exp(), ember.zeros(1).log()):
            print(r.item())
        """
    )
    assert run.stdout.split() == ["nan", "nan", "nan", "inf", "inf", "-inf"]
    assert run.stderr == ""


def test_numpy_outside_ember_still_warns():
    run = _run(
        """
        import numpy as np
        import ember
        ember.ones(1) * 0
        np.array([np.inf]) * 0
        """
    )
    assert "RuntimeWarning: invalid value encountered in multiply" in run.stderr
