"""Prediction: class probabilities of the 10,000 Fashion-MNIST test images
with a 784-100-10 ReLU network, float32, default threads.

bound: the two matrix products alone (X W1, then H W2), through NumPy's
BLAS on one thread or all, the faster (conftest.benchmark_bound); report.py prints each fnn
row's share of it.  The NumPy row is the whole chain
softmax(relu(X W1 + b1) W2 + b2), which fnn must not lose to."""
import numpy as np
import pytest

from conftest import benchmark_bound, record_throughput, torch_or_skip


@pytest.fixture(scope="module")
def trained(fashion_mnist):
    import fnn

    X, y = fashion_mnist[0][:5000], fashion_mnist[1][:5000]
    return fnn.MLPClassifier((100,), max_iter=2, random_state=0).fit(X, y)


def test_fnn(benchmark, fashion_mnist, trained):
    X = fashion_mnist[2]
    benchmark.pedantic(trained.predict_proba, args=(X,), rounds=20, warmup_rounds=2)
    record_throughput(benchmark, len(X))


def test_pytorch(benchmark, fashion_mnist, trained):
    torch = torch_or_skip()
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 10), torch.nn.Softmax(dim=1))
    with torch.no_grad():
        for layer, W, b in zip((net[0], net[2]), trained.coefs_, trained.intercepts_):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    X = torch.from_numpy(fashion_mnist[2])

    def predict():
        with torch.no_grad():
            return net(X)

    np.testing.assert_allclose(predict().numpy(), trained.predict_proba(fashion_mnist[2]),
                               atol=1e-5)
    benchmark.pedantic(predict, rounds=20, warmup_rounds=2)
    record_throughput(benchmark, len(X))


def test_numpy(benchmark, fashion_mnist, trained):
    X = fashion_mnist[2]
    (W1, W2), (b1, b2) = trained.coefs_, trained.intercepts_

    def predict():
        o = np.maximum(X @ W1 + b1, 0) @ W2 + b2
        p = np.exp(o - o.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    benchmark.pedantic(predict, rounds=20, warmup_rounds=2)
    record_throughput(benchmark, len(X))


def test_bound(benchmark, fashion_mnist, trained):
    X = fashion_mnist[2]
    W1, W2 = trained.coefs_
    H = np.empty((len(X), W1.shape[1]), W1.dtype)
    O = np.empty((len(X), W2.shape[1]), W2.dtype)

    def products():
        np.matmul(X, W1, out=H)
        np.matmul(H, W2, out=O)

    benchmark_bound(benchmark, products, len(X), rounds=20)
