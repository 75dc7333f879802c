"""AutoRec (Sedhain et al., WWW 2015) in PyTorch on a saved recoder split: the peer
for bench/autorec-torch.ts.

Written the way AutoRec is usually written in PyTorch: the training ratings
as a dense matrix with a dense 0/1 mask of the observed entries, two
nn.Linear layers, and the masked squared error

    h = sigmoid(encoder(r)),  r_hat = decoder(h)
    loss_batch = sum(((r_hat - r) * mask) ** 2) + (B / N) * lambda / 2 * (|W|^2 + |V|^2)

where B is the batch's number of examples and N all examples, so that one
epoch's batch losses add up to the paper's objective (eq. 2), exactly as in
recoder's src/models/autorec-network.ts. Weights are Xavier-uniform, biases
zero (recoder's initialisation); Adam with torch's defaults; one torch.randperm
shuffle per epoch.

I-AutoRec ('item'): each item's vector of user ratings is an example. U-AutoRec
('user'): each user's vector of item ratings.

Test predictions follow recoder's: a user or item with no training ratings
gets the default rating (3); every other prediction is clamped to the
training rating range.

    /usr/bin/python3 autorec_torch.py SPLIT_FILE --variant item --hidden 500 \
        --lambda 100 --learning-rate 0.01 --batch-size 0 --epochs 80 --seed 1

Prints one JSON object: test RMSE, seconds per epoch (training only), and the
torch / BLAS configuration, including the OpenBLAS kernel set actually in use.
"""

import argparse
import ctypes
import json
import os
import time

import numpy as np
import torch
from torch import nn

from split_io import csr_to_dense, load_split


class AutoRec(nn.Module):
    def __init__(self, inputs, hidden):
        super().__init__()
        self.encoder = nn.Linear(inputs, hidden)
        self.decoder = nn.Linear(hidden, inputs)
        for layer in (self.encoder, self.decoder):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, r):
        return self.decoder(torch.sigmoid(self.encoder(r)))


def openblas_core():
    """The kernel set of the OpenBLAS that torch loaded (same soname, so the same library instance)."""
    try:
        library = ctypes.CDLL("libopenblas.so.0")
        library.openblas_get_corename.restype = ctypes.c_char_p
        library.openblas_get_config.restype = ctypes.c_char_p
        return library.openblas_get_corename().decode(), library.openblas_get_config().decode()
    except (OSError, AttributeError):
        return None, None


def train(model, ratings, mask, args):
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    n_examples = ratings.shape[0]
    batch_size = args.batch_size if args.batch_size > 0 else n_examples  # 0: full batch, as recoder's batchSize 0
    epoch_seconds = []
    losses = []
    for _ in range(args.epochs):
        started = time.perf_counter()
        order = torch.randperm(n_examples)
        epoch_loss = 0.0
        for start in range(0, n_examples, batch_size):
            batch = order[start : start + batch_size]
            r = ratings[batch]
            m = mask[batch]
            optimizer.zero_grad()
            squared_error = (((model(r) - r) * m) ** 2).sum()
            l2 = model.encoder.weight.pow(2).sum() + model.decoder.weight.pow(2).sum()
            loss = squared_error + (len(batch) / n_examples) * args.lam / 2 * l2
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        epoch_seconds.append(time.perf_counter() - started)
        losses.append(epoch_loss / n_examples)
    return epoch_seconds, losses


def test_rmse(model, ratings, split, args):
    """RMSE over the test targets, with recoder's defaults and clamping."""
    train_csr = split["train"]
    values = train_csr["values"]
    low, high = float(values.min()), float(values.max())
    user_counts = np.diff(train_csr["indptr"])
    item_counts = np.bincount(train_csr["indices"], minlength=split["n_items"])
    with torch.no_grad():
        reconstruction = model(ratings).numpy()  # examples x inputs
    test = split["test"]
    targets = test["targets"]
    rows = np.repeat(np.arange(len(test["users"])), np.diff(targets["indptr"]))
    users = test["users"][rows]
    items = targets["indices"]
    predicted = reconstruction[items, users] if args.variant == "item" else reconstruction[users, items]
    predicted = np.clip(predicted, low, high)
    unknown = (user_counts[users] == 0) | (item_counts[items] == 0)
    predicted = np.where(unknown, args.default_rating, predicted)
    return float(np.sqrt(np.mean((predicted - targets["values"]) ** 2))), int(len(items))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("split")
    parser.add_argument("--variant", choices=("item", "user"), default="item")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--lambda", dest="lam", type=float, required=True)
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--batch-size", type=int, required=True, help="examples per step; 0 for all (full batch)")
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--default-rating", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    split = load_split(args.split)
    train_csr = split["train"]
    dense = csr_to_dense(**train_csr)
    observed = csr_to_dense(train_csr["indptr"], train_csr["indices"], np.ones_like(train_csr["values"]), train_csr["shape"])
    if args.variant == "item":
        dense, observed = dense.T.copy(), observed.T.copy()
    ratings = torch.from_numpy(dense)
    mask = torch.from_numpy(observed)

    model = AutoRec(ratings.shape[1], args.hidden)
    started = time.perf_counter()
    epoch_seconds, losses = train(model, ratings, mask, args)
    train_seconds = time.perf_counter() - started
    rmse, n_ratings = test_rmse(model, ratings, split, args)
    core, config = openblas_core()
    print(json.dumps({
        "system": "pytorch",
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblasCoretypeEnv": os.environ.get("OPENBLAS_CORETYPE"),
        "openblasCore": core,
        "openblasConfig": config,
        "variant": args.variant,
        "examples": int(ratings.shape[0]),
        "inputs": int(ratings.shape[1]),
        "testRmse": rmse,
        "testRatings": n_ratings,
        "epochSeconds": epoch_seconds,
        "finalLoss": losses[-1] if losses else None,
        "trainSeconds": train_seconds,
    }))


if __name__ == "__main__":
    main()
