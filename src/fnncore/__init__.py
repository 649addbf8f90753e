"""fnncore: the compiled kernels behind fnn.

Kernels trust their inputs; validate at the Python boundary (package fnn)
before calling anything here.

Modules
-------
_activations : activation functions and their derivatives (Activation codes)
_losses      : per-example losses and the fused output delta (Loss codes)
_forward     : batched forward pass for prediction
_sgd         : per-example SGD epoch
_minibatch   : mini-batch epoch (SGD, momentum, Nesterov, Adam)
_perceptron  : perceptron-rule epoch and scores (fnn.Perceptron)
_smo         : SMO solver for kernel SVMs (fnn.SVC)
"""
