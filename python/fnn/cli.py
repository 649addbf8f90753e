"""The `fnn` command line.

    fnn demo        train on the bundled handwritten digits and report
    fnn --version
"""
import argparse
import sys
import time

import numpy as np


def demo(args):
    """Train an MLP on the bundled UCI digits; print accuracy and speed."""
    from . import MLPClassifier
    from .datasets import load_digits

    X, y = load_digits()
    X = (X / 16.0).astype(np.float32)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    n_train = int(0.75 * len(X))
    train, test = order[:n_train], order[n_train:]
    model = MLPClassifier(hidden_layer_sizes=(64,), activation="logistic", solver="sgd",
                          batch_size=1, momentum=0.0, learning_rate_init=0.05,
                          max_iter=args.epochs, tol=0.0, random_state=0)
    print(f"fnn demo: UCI handwritten digits, {n_train} training and {len(test)} test "
          f"images of 8x8 pixels")
    print(f"network 64-64-10 (logistic hidden layer, softmax output), per-example SGD, "
          f"float32, {args.epochs} epochs")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X[train], y[train])
        seconds = time.perf_counter() - start
    accuracy = model.score(X[test], y[test])
    seen = model.n_iter_ * n_train
    print(f"test accuracy   {accuracy:.4f}")
    print(f"training time   {seconds:.3f} s")
    print(f"examples/s      {seen / seconds:,.0f}")
    return 0


def main(argv=None):
    from . import __version__

    parser = argparse.ArgumentParser(prog="fnn", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_parser = commands.add_parser("demo", help="train on the bundled digits data")
    demo_parser.add_argument("--epochs", type=int, default=30,
                             help="training epochs (default 30)")
    demo_parser.set_defaults(run=demo)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "epochs", 1) < 1:
        parser.error("--epochs must be at least 1")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
