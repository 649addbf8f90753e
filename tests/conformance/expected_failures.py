"""The conformance tests expected to fail, and why.

Keys are test ids relative to this folder (``file::name[parameters]``, as
pytest prints them).  Both lists are applied as ``xfail(strict=True)``: a test
that starts passing fails the run until its entry is removed, so the lists can
only shrink.

The lists were made with scikit-learn `SKLEARN_VERSION`; its test modules
change between releases, so another version skips the conformance tests (see
conftest.py).
"""

SKLEARN_VERSION = "1.9"

# Tests that can never pass with another library's estimator: they read or
# set a private attribute of scikit-learn's implementation, or call its
# private functions with the estimator's internals.  Test id -> the private
# and what the test does with it.
PRIVATE_API = {
}

# Tests that fail today for a reason fnn can remove (a missing feature, a
# parameter, a behaviour or a message that differs from scikit-learn's).
# Cause category -> test ids.  The goal is an empty dict.
KNOWN_FAILURES = {
}
