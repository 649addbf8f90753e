"""Per-example SGD on 1 and 2 threads: 784-128-10 logistic/softmax network,
float32, plain SGD (learning rate 0.01), one epoch over the 60,000
Fashion-MNIST training images.

On two threads fnn runs local SGD (src/fnncore/_sgd.pyx), a different
sequence of updates from one thread's, so the benchmark also checks that it
learns as well: every round trains from another seed, and the extra info
holds the median test accuracy over the rounds (one epoch of constant-rate
SGD ends at a noisy point; single seeds differ by about a point).
"""
import statistics

import pytest

from conftest import record_throughput

ROUNDS = 5


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fnn(benchmark, fashion_mnist, n_jobs):
    import fnn

    X, y, X_test, y_test = fashion_mnist
    models = []

    def next_seed():
        model = fnn.MLPClassifier((128,), activation="logistic", solver="sgd",
                                  batch_size=1, momentum=0.0, alpha=0.0, max_iter=1,
                                  learning_rate_init=0.01, random_state=len(models),
                                  n_jobs=n_jobs)
        models.append(model)
        return (model,), {}

    benchmark.name = f"test_fnn_{n_jobs}_thread{'s' if n_jobs > 1 else ''}"
    benchmark.pedantic(lambda model: model.fit(X, y), setup=next_seed, rounds=ROUNDS,
                       warmup_rounds=1)
    record_throughput(benchmark, len(X))
    benchmark.extra_info["accuracy"] = statistics.median(
        model.score(X_test, y_test) for model in models[-ROUNDS:])
