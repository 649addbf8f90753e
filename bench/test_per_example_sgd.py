"""Per-example SGD: 784-128-10 network, logistic hidden layer, softmax output,
float32, one thread, one pass over Fashion-MNIST training images.

Every contender does the same work per example: forward pass, cross-entropy
gradient, backpropagation and a plain SGD step (no momentum, no L2).
"""
import numpy as np
import pytest

from conftest import record_throughput, torch_or_skip

HIDDEN = 128
LR = 0.01
N_FAST = 20000   # examples per round for the compiled contenders
N_SLOW = 2000    # examples per round for the Python-per-example ones


def _fnn_model():
    import fnn

    return fnn.MLPClassifier((HIDDEN,), activation="logistic", solver="sgd",
                             batch_size=1, momentum=0.0, alpha=0.0, max_iter=1,
                             learning_rate_init=LR, shuffle=False, random_state=0)


def test_fnn(benchmark, fashion_mnist):
    X, y = fashion_mnist[0][:N_FAST], fashion_mnist[1][:N_FAST]
    model = _fnn_model()
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=1)
    record_throughput(benchmark, len(X))


def test_numpy(benchmark, fashion_mnist):
    X, y = fashion_mnist[0][:N_SLOW], fashion_mnist[1][:N_SLOW]
    rng = np.random.RandomState(0)
    W1 = rng.uniform(-0.1, 0.1, (784, HIDDEN)).astype(np.float32)
    b1 = np.zeros(HIDDEN, np.float32)
    W2 = rng.uniform(-0.1, 0.1, (HIDDEN, 10)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    lr = np.float32(LR)

    def epoch():
        for x, t in zip(X, y):
            h = 1 / (1 + np.exp(-(x @ W1 + b1)))
            o = h @ W2 + b2
            p = np.exp(o - o.max())
            p /= p.sum()
            p[t] -= 1
            dh = (W2 @ p) * h * (1 - h)
            W2[...] -= lr * np.outer(h, p)
            b2[...] -= lr * p
            W1[...] -= lr * np.outer(x, dh)
            b1[...] -= lr * dh

    benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    record_throughput(benchmark, len(X))


def test_pytorch(benchmark, fashion_mnist):
    torch = torch_or_skip()
    X = torch.from_numpy(fashion_mnist[0][:N_SLOW])
    y = torch.from_numpy(fashion_mnist[1][:N_SLOW])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN), torch.nn.Sigmoid(),
                              torch.nn.Linear(HIDDEN, 10))
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss = torch.nn.CrossEntropyLoss()

    def epoch():
        for i in range(len(X)):
            opt.zero_grad()
            loss(net(X[i:i + 1]), y[i:i + 1]).backward()
            opt.step()

    benchmark.extra_info["threads"] = torch.get_num_threads()
    benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    record_throughput(benchmark, len(X))


def test_sklearn(benchmark, fashion_mnist):
    sklearn_nn = pytest.importorskip("sklearn.neural_network")
    X, y = fashion_mnist[0][:N_SLOW], fashion_mnist[1][:N_SLOW]
    model = sklearn_nn.MLPClassifier((HIDDEN,), activation="logistic", solver="sgd",
                                     batch_size=1, momentum=0.0, alpha=0.0, max_iter=1,
                                     learning_rate_init=LR, shuffle=False, random_state=0)
    benchmark.pedantic(model.fit, args=(X, y), rounds=3, warmup_rounds=0)
    record_throughput(benchmark, len(X))
