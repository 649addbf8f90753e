"""The conformance tests expected to fail, and why.

Keys are test ids relative to this folder (``file::name[parameters]``, as
pytest prints them).  Both lists are applied as ``xfail(strict=True)``: a test
that starts passing fails the run until its entry is removed, so the lists can
only shrink.

The lists were made with scikit-learn `SKLEARN_VERSION`; its test modules
change between releases, so another version skips the conformance tests (see
conftest.py).
"""

import sklearn

SKLEARN_VERSION = "1.9"


def version_mismatch():
    """Why the lists do not apply to the installed scikit-learn, or None."""
    installed = ".".join(sklearn.__version__.split(".")[:2])
    if installed != SKLEARN_VERSION:
        return (f"the expected failures are listed for scikit-learn {SKLEARN_VERSION}, "
                f"whose test modules differ from the installed {sklearn.__version__}'s")
    return None


# Tests that can never pass with another library's estimator: they read or
# set a private attribute of scikit-learn's implementation, or call its
# private functions with the estimator's internals.  Test id -> the private
# and what the test does with it.
PRIVATE_API = {
    "test_sklearn_mlp.py::test_gradient":
        "calls MLPClassifier._loss_grad_lbfgs(theta, X, Y, sample_weight, "
        "activations, deltas, coef_grads, intercept_grads), scikit-learn's Python "
        "loss-and-gradient routine for L-BFGS, with its own work buffers, to compare "
        "the gradient with finite differences; fnn computes the gradient in its "
        "compiled core (tests/numerics/test_gradients.py checks it against finite "
        "differences)",
}

# Tests that fail today for a reason fnn can remove (a missing feature, a
# parameter, a behaviour or a message that differs from scikit-learn's):
# cause category -> what differs (the first blocker first; later ones were
# found by running the test with the earlier ones worked around), and cause
# category -> test ids.  The goal is an empty KNOWN_FAILURES.
CAUSES = {}

KNOWN_FAILURES = {}
