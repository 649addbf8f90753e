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
        "compiled core (tests/test_gradients.py checks it against finite "
        "differences)",
    "test_sklearn_svm.py::test_svc_raises_error_internal_representation":
        "writes clf._n_support[0], the per-class support-vector counts scikit-learn "
        "hands to libsvm's C predict, and expects scikit-learn's guard against that "
        "write (CVE-2020-28975: 'The internal representation of SVC was altered'); "
        "fnn has no _n_support (its n_support_ is read by NumPy code only)",
}

# Tests that fail today for a reason fnn can remove (a missing feature, a
# parameter, a behaviour or a message that differs from scikit-learn's):
# cause category -> what differs (the first blocker first; later ones were
# found by running the test with the earlier ones worked around), and cause
# category -> test ids.  The goal is an empty KNOWN_FAILURES.
CAUSES = {
    "mlp-sparse":
        "sparse X refused (TypeError); scikit-learn's MLPs take CSR/CSC/COO/LIL in "
        "fit, partial_fit and predict",
    "perceptron-sparse":
        "sparse X refused (TypeError)",
    "perceptron-zero-score":
        "the update at a zero score differs (scikit-learn counts a zero score as a "
        "mistake for either class), so coef_ differs from the reference perceptron's",
    "perceptron-params":
        "parameters penalty, alpha and l1_ratio missing (TypeError)",
    "svc-sparse":
        "sparse X refused (TypeError); the test passes once sparse X is accepted as "
        "scikit-learn does (a callable kernel gets the sparse matrix; sparse X given "
        "to a dense fit is a ValueError)",
    "svc-sparse-attributes":
        "sparse X refused (TypeError); then support_vectors_, dual_coef_ and coef_ "
        "must be sparse after a sparse fit",
    "svc-probability-sparse":
        "probability=True and random_state refused (TypeError); then sparse X "
        "refused; then sparse support_vectors_/dual_coef_/coef_ and predict_proba on "
        "sparse X",
    "svc-probability":
        "probability, predict_proba, probA_ and scikit-learn 1.9's FutureWarnings "
        "about them missing",
    "svc-random-state":
        "random_state refused (TypeError); the test passes once it is accepted",
    "svc-random-state-warning":
        "random_state refused (TypeError); then (with sparse X refused first for "
        "test_timeout) the max_iter ConvergenceWarning differs: scikit-learn's has "
        "two spaces in '(max_iter=N).  Consider'",
    "svc-negative-weight":
        "negative sample_weight refused (ValueError); scikit-learn drops those "
        "samples, and raises its own messages when no sample or a single class is "
        "left",
    "svc-infinite-c":
        "C=np.inf refused (ValueError); scikit-learn accepts it (a hard margin)",
    "svc-message":
        "error message differs from scikit-learn's (non-finite duals: 'The dual "
        "coefficients or intercepts are not finite'; a sparse precomputed kernel: "
        "'Sparse precomputed kernels are not supported')",
    "svc-callable-kernel-data":
        "X of strings refused with a callable kernel; scikit-learn hands X to the "
        "kernel unconverted",
}

KNOWN_FAILURES = {
    "mlp-sparse": [
        "test_sklearn_mlp.py::test_sparse_matrices[csr_matrix]",
        "test_sklearn_mlp.py::test_sparse_matrices[csr_array]",
    ],
    "perceptron-sparse": [
        "test_sklearn_perceptron.py::test_perceptron_accuracy[csr_matrix]",
        "test_sklearn_perceptron.py::test_perceptron_accuracy[csr_array]",
    ],
    "perceptron-zero-score": [
        "test_sklearn_perceptron.py::test_perceptron_correctness",
    ],
    "perceptron-params": [
        "test_sklearn_perceptron.py::test_perceptron_l1_ratio",
    ],
    "svc-sparse": [
        "test_sklearn_svm.py::test_bad_input[42-lil_matrix]",
        "test_sklearn_svm.py::test_bad_input[42-lil_array]",
        "test_sklearn_svm_sparse.py::test_svc_with_custom_kernel[lil_matrix]",
        "test_sklearn_svm_sparse.py::test_svc_with_custom_kernel[lil_array]",
        "test_sklearn_svm_sparse.py::test_sparse_decision_function[csr_matrix]",
        "test_sklearn_svm_sparse.py::test_sparse_decision_function[csr_array]",
        "test_sklearn_svm_sparse.py::test_error[lil_matrix]",
        "test_sklearn_svm_sparse.py::test_error[lil_array]",
        "test_sklearn_svm_sparse.py::test_weight[csr_matrix]",
        "test_sklearn_svm_sparse.py::test_weight[csr_array]",
        "test_sklearn_svm_sparse.py::test_sample_weights[lil_matrix]",
        "test_sklearn_svm_sparse.py::test_sample_weights[lil_array]",
    ],
    "svc-sparse-attributes": [
        "test_sklearn_svm_sparse.py::test_svc_iris[linear-csr_matrix]",
        "test_sklearn_svm_sparse.py::test_svc_iris[linear-csr_array]",
        "test_sklearn_svm_sparse.py::test_svc_iris[poly-csr_matrix]",
        "test_sklearn_svm_sparse.py::test_svc_iris[poly-csr_array]",
        "test_sklearn_svm_sparse.py::test_svc_iris[rbf-csr_matrix]",
        "test_sklearn_svm_sparse.py::test_svc_iris[rbf-csr_array]",
        "test_sklearn_svm_sparse.py::test_sparse_realdata[csr_matrix]",
        "test_sklearn_svm_sparse.py::test_sparse_realdata[csr_array]",
    ],
    "svc-probability-sparse": [
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-linear-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-linear-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-linear-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-linear-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-poly-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-poly-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-poly-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-poly-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-rbf-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-rbf-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-rbf-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-rbf-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-sigmoid-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-sigmoid-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-sigmoid-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_matrix-sigmoid-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-linear-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-linear-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-linear-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-linear-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-poly-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-poly-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-poly-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-poly-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-rbf-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-rbf-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-rbf-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-rbf-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-sigmoid-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-sigmoid-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-sigmoid-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[csr_array-sigmoid-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-linear-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-linear-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-linear-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-linear-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-poly-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-poly-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-poly-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-poly-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-rbf-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-rbf-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-rbf-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-rbf-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-sigmoid-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-sigmoid-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-sigmoid-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_matrix-sigmoid-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-linear-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-linear-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-linear-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-linear-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-poly-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-poly-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-poly-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-poly-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-rbf-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-rbf-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-rbf-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-rbf-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-sigmoid-X_train0-y_train0-X_test0]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-sigmoid-X_train1-y_train1-X_test1]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-sigmoid-X_train2-y_train2-X_test2]",
        "test_sklearn_svm_sparse.py::test_svc[lil_array-sigmoid-X_train3-y_train3-X_test3]",
        "test_sklearn_svm_sparse.py::test_unsorted_indices[csr_matrix]",
        "test_sklearn_svm_sparse.py::test_unsorted_indices[csr_array]",
        "test_sklearn_svm_sparse.py::test_sparse_svc_clone_with_callable_kernel[lil_matrix]",
        "test_sklearn_svm_sparse.py::test_sparse_svc_clone_with_callable_kernel[lil_array]",
    ],
    "svc-probability": [
        "test_sklearn_svm.py::test_probability[42]",
        "test_sklearn_svm.py::test_hasattr_predict_proba[42]",
        "test_sklearn_svm.py::test_probability_raises_futurewarning[True-SVC-SVC]",
        "test_sklearn_svm.py::test_probability_raises_futurewarning[False-SVC-SVC]",
        "test_sklearn_svm.py::test_svc_nusvc_probA_probB_deprecated[SVC]",
    ],
    "svc-random-state": [
        "test_sklearn_svm.py::test_decision_function_shape[42-SVC]",
        "test_sklearn_svm.py::test_svc_clone_with_callable_kernel",
        "test_sklearn_svm.py::test_consistent_decision_function[42]",
        "test_sklearn_svm.py::test_svc_invalid_break_ties_param[42-SVC]",
        "test_sklearn_svm.py::test_svc_ovr_tie_breaking[42-SVC]",
        "test_sklearn_svm_sparse.py::test_consistent_decision_function",
    ],
    "svc-random-state-warning": [
        "test_sklearn_svm.py::test_libsvm_convergence_warnings[42]",
        "test_sklearn_svm_sparse.py::test_timeout[lil_matrix]",
        "test_sklearn_svm_sparse.py::test_timeout[lil_array]",
    ],
    "svc-negative-weight": [
        "test_sklearn_svm.py::test_negative_sample_weights_mask_all_samples[weights-are-zero-SVC]",
        "test_sklearn_svm.py::test_negative_sample_weights_mask_all_samples[weights-are-negative-SVC]",
        "test_sklearn_svm.py::test_negative_weights_svc_leave_just_one_label[mask-label-1-SVC]",
        "test_sklearn_svm.py::test_negative_weights_svc_leave_just_one_label[mask-label-2-SVC]",
        "test_sklearn_svm.py::test_negative_weights_svc_leave_two_labels[partial-mask-label-1-SVC]",
        "test_sklearn_svm.py::test_negative_weight_equal_coeffs[partial-mask-label-1-SVC]",
    ],
    "svc-infinite-c": [
        "test_sklearn_svm.py::test_svm_with_infinite_C[42-inf0-SVC-make_classification]",
        "test_sklearn_svm.py::test_svm_with_infinite_C[42-inf1-SVC-make_classification]",
    ],
    "svc-message": [
        "test_sklearn_svm.py::test_svc_nonfinite_params[42]",
        "test_sklearn_svm.py::test_sparse_precomputed[csr_matrix]",
        "test_sklearn_svm.py::test_sparse_precomputed[csr_array]",
    ],
    "svc-callable-kernel-data": [
        "test_sklearn_svm.py::test_custom_kernel_not_array_input[SVC]",
    ],
}
