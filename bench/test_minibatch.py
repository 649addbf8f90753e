"""Mini-batch SGD: 784-100-10 network, ReLU hidden layer, softmax output,
float32, one epoch over the 60,000 Fashion-MNIST training images.

fnn and PyTorch use their default threads (all cores); every contender does
the same work per batch: shuffled batch, forward pass, cross-entropy
gradient, backpropagation, plain SGD step.

bound: the five matrix products of each batch alone (forward X_b W1 and
H W2; backward H^T D2, D2 W2^T and X_b^T D1) on batches already gathered,
through NumPy's BLAS on one thread or all, the faster
(conftest.benchmark_bound).  On products this small BLAS's threads cost
more than they bring (fnncore/_minibatch.pyx), which is why fnn splits a
batch's rows among its threads instead; report.py prints each fnn row's
share of it.
"""
import numpy as np
import pytest

from conftest import (batch_products_epoch, benchmark_bound, peak_traced_bytes,
                      record_throughput, torch_or_skip)

LR = 0.01


@pytest.mark.parametrize("batch_size", [32, 64])
def test_fnn(benchmark, fashion_mnist, batch_size):
    import fnn

    X, y = fashion_mnist[0], fashion_mnist[1]
    model = fnn.MLPClassifier((100,), solver="sgd", momentum=0.0, alpha=0.0,
                              batch_size=batch_size, max_iter=1, learning_rate_init=LR,
                              random_state=0)
    benchmark.pedantic(model.fit, args=(X, y), rounds=5, warmup_rounds=1)
    record_throughput(benchmark, len(X))
    _, peak = peak_traced_bytes(model.fit, X, y)
    benchmark.extra_info["peak_bytes_over_data"] = peak
    benchmark.extra_info["data_bytes"] = X.nbytes


@pytest.mark.parametrize("batch_size", [32, 64])
def test_pytorch(benchmark, fashion_mnist, batch_size):
    torch = torch_or_skip()
    X = torch.from_numpy(fashion_mnist[0])
    y = torch.from_numpy(fashion_mnist[1])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad()
            loss(net(X[idx]), y[idx]).backward()
            opt.step()

    benchmark.extra_info["threads"] = torch.get_num_threads()
    benchmark.pedantic(epoch, rounds=5, warmup_rounds=1)
    record_throughput(benchmark, len(X))


@pytest.mark.parametrize("batch_size", [64])
def test_numpy(benchmark, fashion_mnist, batch_size):
    X, y = fashion_mnist[0], fashion_mnist[1]
    rng = np.random.RandomState(0)
    W1 = rng.uniform(-0.08, 0.08, (784, 100)).astype(np.float32)
    b1 = np.zeros(100, np.float32)
    W2 = rng.uniform(-0.2, 0.2, (100, 10)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    eye = np.eye(10, dtype=np.float32)
    lr = np.float32(LR)

    def epoch():
        perm = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = perm[start:start + batch_size]
            xb = X[idx]
            h = np.maximum(xb @ W1 + b1, 0)
            o = h @ W2 + b2
            p = np.exp(o - o.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            d2 = (p - eye[y[idx]]) / len(idx)
            d1 = (d2 @ W2.T) * (h > 0)
            W2[...] -= lr * (h.T @ d2)
            b2[...] -= lr * d2.sum(axis=0)
            W1[...] -= lr * (xb.T @ d1)
            b1[...] -= lr * d1.sum(axis=0)

    benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    record_throughput(benchmark, len(X))


@pytest.mark.parametrize("batch_size", [32, 64])
def test_bound(benchmark, fashion_mnist, batch_size):
    epoch, n_examples = batch_products_epoch(fashion_mnist[0], batch_size)
    benchmark_bound(benchmark, epoch, n_examples, rounds=5)
