"""Mult-VAE and Mult-DAE (Liang et al., WWW 2018) in PyTorch on a saved recoder split:
the peer for bench/mult-vae-torch.ts.

A port of the authors' TensorFlow notebook (dawenl/vae_cf, VAE_ML20M_WWW2018.ipynb)
the way the usual PyTorch implementations write it, with a dense input:

    h = F.normalize(x); h = dropout(h)            input L2-normalised, then dropout (keep 0.5)
    encoder: nn.Linear + tanh                     Mult-VAE: last layer gives [mu | logvar] (linear)
    z = mu + eps * exp(logvar / 2)  (training)    z = mu at prediction
    decoder: nn.Linear + tanh, last layer linear
    loss = -mean_u sum_i log_softmax(logits)_ui x_ui + beta * KL + lam * sum_W |W|^2

KL = mean_u 0.5 * sum(-logvar + exp(logvar) + mu^2 - 1); beta = min(cap, updates / total_anneal_steps);
lam = weight_decay / batch_size (the notebook's lam = 0.01 / batch_size for Mult-DAE, 0 for Mult-VAE;
its loss adds 2 * l2_regularizer(lam) = lam * sum |W|^2 over the weights). Xavier-uniform weights,
biases N(0, 0.001^2) truncated at 2 sigma, Adam. Training users are the split's non-empty training
rows; each epoch shuffles them; after each epoch the validation users' NDCG@100 is computed (fold-in
input, fold-in items excluded) and the best epoch's weights are kept, as the notebook does. The test
metrics use the same definitions as recoder (bench/peers/ease_numpy.py's ranking_metrics).

    python3 mult_vae_torch.py SPLIT_FILE '{"model": "mult-vae", "hidden": [600], "latent": 200, ...}'

Prints one JSON object: per-epoch training seconds (the training pass only: batching, forward,
backward, Adam), per-epoch validation NDCG@100, the best epoch, and the test metrics.
"""

import copy
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ease_numpy import ranking_metrics
from split_io import load_split

BIAS_INIT_STD = 0.001


class MultinomialAutoencoder(nn.Module):
    def __init__(self, n_items, hidden, latent, keep_probability, variational):
        super().__init__()
        self.latent = latent
        self.variational = variational
        code_width = 2 * latent if variational else latent
        encoder_dims = [n_items, *hidden, code_width]
        decoder_dims = [latent, *reversed(hidden), n_items]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(encoder_dims[:-1], encoder_dims[1:]))
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(decoder_dims[:-1], decoder_dims[1:]))
        self.drop = nn.Dropout(1.0 - keep_probability)
        for layer in [*self.encoder, *self.decoder]:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.trunc_normal_(layer.bias, std=BIAS_INIT_STD, a=-2 * BIAS_INIT_STD, b=2 * BIAS_INIT_STD)

    def forward(self, x):
        h = self.drop(F.normalize(x, dim=1))
        for i, layer in enumerate(self.encoder):
            h = layer(h)
            # Mult-DAE's code layer is tanh too; Mult-VAE's last encoder layer is linear (mu, logvar).
            if i != len(self.encoder) - 1 or not self.variational:
                h = torch.tanh(h)
        kl = x.new_zeros(())
        if self.variational:
            mu, logvar = h[:, : self.latent], h[:, self.latent :]
            if self.training:
                std = torch.exp(0.5 * logvar)
                h = mu + torch.randn_like(std) * std
            else:
                h = mu
            kl = torch.mean(torch.sum(0.5 * (-logvar + torch.exp(logvar) + mu**2 - 1), dim=1))
        for i, layer in enumerate(self.decoder):
            h = layer(h)
            if i != len(self.decoder) - 1:
                h = torch.tanh(h)
        return h, kl

    def weights(self):
        return [layer.weight for layer in [*self.encoder, *self.decoder]]


def dense_rows(csr, rows):
    """The given rows of a CSR dict as a dense float32 array (scipy's X[rows].toarray())."""
    indptr, indices, values = csr["indptr"], csr["indices"], csr["values"]
    out = np.zeros((len(rows), csr["shape"][1]), dtype=np.float32)
    for i, r in enumerate(rows):
        start, end = indptr[r], indptr[r + 1]
        out[i, indices[start:end]] = values[start:end]
    return out


def scores_for(model, csr, batch_size):
    """Logits for every row of `csr` (eval mode: no dropout, z = mu)."""
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, csr["shape"][0], batch_size):
            rows = range(start, min(start + batch_size, csr["shape"][0]))
            logits, _ = model(torch.from_numpy(dense_rows(csr, rows)))
            parts.append(logits.numpy())
    return np.concatenate(parts).astype(np.float64)


def main():
    split_path, settings = sys.argv[1], json.loads(sys.argv[2])
    threads = int(settings.get("threads", 2))
    torch.set_num_threads(threads)
    seed = int(settings["seed"])
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    split = load_split(split_path)
    train, validation, test = split["train"], split["validation"], split["test"]
    n_items = split["n_items"]
    train_rows = np.flatnonzero(np.diff(train["indptr"]) > 0)

    variational = settings["model"] == "mult-vae"
    batch_size = int(settings["batchSize"])
    model = MultinomialAutoencoder(n_items, list(settings["hidden"]), int(settings["latent"]), float(settings["keepProbability"]), variational)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(settings["learningRate"]))
    lam = float(settings["weightDecay"]) / batch_size
    beta_cap = float(settings.get("betaCap", 0.0))
    total_anneal_steps = int(settings.get("totalAnnealSteps", 0))

    updates = 0
    epoch_seconds, validation_ndcg, losses = [], [], []
    best_ndcg, best_epoch, best_state = -np.inf, 0, None
    for epoch in range(1, int(settings["epochs"]) + 1):
        model.train()
        order = rng.permutation(train_rows)
        started = time.perf_counter()
        loss_sum = 0.0
        for start in range(0, len(order), batch_size):
            x = torch.from_numpy(dense_rows(train, order[start : start + batch_size]))
            if variational:
                beta = min(beta_cap, updates / total_anneal_steps) if total_anneal_steps > 0 else beta_cap
            else:
                beta = 0.0
            logits, kl = model(x)
            neg_ll = -torch.mean(torch.sum(F.log_softmax(logits, dim=1) * x, dim=1))
            loss = neg_ll + beta * kl
            if lam > 0:
                loss = loss + lam * sum(torch.sum(w**2) for w in model.weights())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            updates += 1
            loss_sum += float(loss) * x.shape[0]
        epoch_seconds.append(time.perf_counter() - started)
        losses.append(loss_sum / len(order))

        val_scores = scores_for(model, validation["input"], batch_size)
        ndcg = ranking_metrics(val_scores, validation["exclude"], validation["targets"], ks_ndcg=(100,), ks_recall=(20,))["ndcg@100"]
        validation_ndcg.append(ndcg)
        if ndcg > best_ndcg:
            best_ndcg, best_epoch, best_state = ndcg, epoch, copy.deepcopy(model.state_dict())

    model.load_state_dict(best_state)
    test_scores = scores_for(model, test["input"], batch_size)
    metrics = ranking_metrics(test_scores, test["exclude"], test["targets"], ks_ndcg=(100,), ks_recall=(20, 50))
    print(json.dumps({
        "system": "pytorch",
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainUsers": int(len(train_rows)),
        "epochSeconds": epoch_seconds,
        "losses": losses,
        "validationNdcg100": validation_ndcg,
        "bestEpoch": best_epoch,
        "metrics": metrics,
        "testUsers": int(len(test["users"])),
    }))


if __name__ == "__main__":
    main()
