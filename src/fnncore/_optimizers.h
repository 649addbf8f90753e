/*
 * The optimiser as the kernels see it: which rule (enum fnn_rule) and the
 * hyper-parameters of one step (fnn_step).  The dense kernels of _simd.h
 * apply a rule value by value (_simd_impl.h, fnn_rule_vec / fnn_rule_scalar);
 * _optimizers.pxd declares these for Cython and Python and computes Adam's
 * bias-corrected step size (step_for_update); fnn/_optimizers.py keeps the
 * state between epochs and the learning-rate schedules.
 */
#ifndef FNN_OPTIMIZERS_H
#define FNN_OPTIMIZERS_H

/* Optimiser rules, with scikit-learn's update formulas (applied per value by
 * fnn_rule_vec / fnn_rule_scalar in _simd_impl.h).  Python reads these codes
 * as fnncore._optimizers.Rule (_optimizers.pxd). */
enum fnn_rule {
    FNN_OPT_SGD = 0,       /* w -= lr * g                                   */
    FNN_OPT_MOMENTUM = 1,  /* v = mu v - lr g;  w += v                       */
    FNN_OPT_NESTEROV = 2,  /* v = mu v - lr g;  w += mu v - lr g              */
    FNN_OPT_ADAM = 3       /* m, v moments;     w -= lr_t m / (sqrt(v) + eps) */
};

/* Hyper-parameters of one optimiser step.  For Adam, `learning_rate` is the
 * bias-corrected step size of this update, lr_init sqrt(1-b2^t) / (1-b1^t). */
typedef struct {
    int kind;
    double learning_rate;
    double momentum;
    double beta_1;
    double beta_2;
    double epsilon;
} fnn_step;

#endif /* FNN_OPTIMIZERS_H */
