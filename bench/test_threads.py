"""Per-example SGD on 1 and 2 threads: 784-128-10 logistic/softmax network,
float32, plain SGD, one epoch over Fashion-MNIST; accuracy on the test set
after that epoch (the weights are identical by design, see tests/test_threads.py)."""
import pytest

from conftest import record_throughput

N = 30000


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fnn(benchmark, fashion_mnist, n_jobs):
    import fnn

    X, y, X_test, y_test = fashion_mnist
    model = fnn.MLPClassifier((128,), activation="logistic", solver="sgd", batch_size=1,
                              momentum=0.0, alpha=0.0, max_iter=1, learning_rate_init=0.01,
                              random_state=0, n_jobs=n_jobs)
    benchmark.name = f"test_fnn_{n_jobs}_thread{'s' if n_jobs > 1 else ''}"
    benchmark.pedantic(model.fit, args=(X[:N], y[:N]), rounds=5, warmup_rounds=1)
    record_throughput(benchmark, N)
    benchmark.extra_info["accuracy"] = model.score(X_test, y_test)
