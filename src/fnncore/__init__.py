"""fnncore: the compiled kernels behind fnn.

Kernels trust their inputs; validate at the Python boundary (package fnn)
before calling anything here.

Modules
-------
_activations : activation functions and their derivatives (Activation codes)
_losses      : per-example losses and the fused output delta (Loss codes)
_forward     : batched forward pass for prediction (X dense or CSR)
_epoch       : one training epoch: runs _sgd's or _minibatch's kernel
_sgd         : per-example SGD epoch
_minibatch   : mini-batch epoch; the full-batch L-BFGS objective
_optimizers  : the optimiser rule codes of _optimizers.h, for Python (Rule)
_perceptron  : perceptron-rule epoch and scores (fnn.Perceptron)
_smo         : SMO solver for kernel SVMs (fnn.SVC)

From the course notes to the code
---------------------------------
Each formula of the notes, and the function that computes it (files in this
package; ``_simd_impl.h`` is written once for float and double, its kernels
named with suffix _s / _d).

================================  ==============================================
formula                           computed by
================================  ==============================================
perceptron y = [w.x + b > 0]      _perceptron.h ``fnn_pt_scores`` (scores),
                                  _activations.pxd ``activate_row`` (STEP)
perceptron rule w += y x          _perceptron.pyx ``add_example`` on
                                  _perceptron.h ``fnn_pt_add``
k = W x + b (dense layer)         _simd_impl.h ``fnn_dense_forward_one``
                                  (one example); _dense_forward.pxd
                                  ``forward_rows`` (a block of rows, BLAS
                                  gemm: prediction and mini-batch
                                  training); _sparse.h (CSR first layer)
sigma(k) = 1 / (1 + e^-k)         _activations.pxd ``logistic``
ReLU(k) = max(0, k), tanh, and    _activations.pxd ``activate_row`` (all
leaky ReLU, ELU, GELU, SiLU,      kinds; ``elu``, ``softplus``,
softplus                          ``gelu_gain``, ``silu_gain``)
softmax o_i -> e^o_i / sum e^o_j  _activations.pxd ``softmax_row``
h(1 - h), 1 - h^2, [h > 0] ...    _activations.pxd ``multiply_derivative``
(local derivatives from h)        (from the output h); ``activate_row_gain``
                                  and ``multiply_gain`` (GELU, SiLU, dropout:
                                  derivatives that need k)
loss (y - t)^2 / 2, log loss,     _losses.pxd ``loss_row``
Poisson deviance
dl/dk at the output = p - t       _losses.pxd ``output_delta_row`` (every
                                  activation/loss pair fused)
dl/dh_j = sum_i dl/dk_i w_ij;     _simd_impl.h ``fnn_dense_backward_step_one``
dl/dw_ij = dl/dk_i x_j            (per example: backward and update in one
(backpropagation)                 pass); _minibatch.pyx
                                  ``rows_forward_backward`` (a batch)
w <- w - eta dl/dw (SGD),         _simd_impl.h ``fnn_rule_vec`` /
momentum, Nesterov, Adam          ``fnn_rule_scalar`` (rule codes
                                  FNN_OPT_* and ``fnn_step`` in
                                  _optimizers.h, read by Python as
                                  _optimizers.pyx ``Rule``)
Adam's bias correction            _optimizers.pxd ``step_for_update``
lr sqrt(1 - b2^t) / (1 - b1^t)
one epoch of training             _epoch.pyx ``train_epoch`` (X dense or
                                  CSR; what an epoch is given:
                                  _training.pxd), which runs one of:
per-example SGD (one epoch)       _sgd.pyx ``per_example_epoch``
mini-batch epoch                  _minibatch.pyx ``minibatch_epoch``
L-BFGS objective and gradient     _minibatch.pyx ``full_batch_loss_gradient``
inverted dropout mask             _dropout.pxd
kernel k(x_i, x_j): linear,       _svm_kernels.h ``svm_from_dot`` (from a dot
polynomial, RBF, sigmoid          product and squared norms)
SVM dual by SMO                   _smo_solver.h ``smo_solve`` (working-set
                                  selection ``smo_select``), driven by
                                  _smo.pyx ``fit_ovo``
SVM decision sum a_i y_i k - rho  _smo.pyx ``decision_ovo``
================================  ==============================================
"""
