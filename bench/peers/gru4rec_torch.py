"""GRU4Rec with full-softmax cross-entropy in PyTorch: the peer for bench/gru4rec-torch.ts.

The same network, initialisation and loss as recoder's gru4rec (src/models/sequential/gru4rec.ts),
written the way a PyTorch user would write it:

    E = Wy(inputs)                                 input embedding tied to the output embeddings
                                                   (the official constrained_embedding=True)
    E = dropout(E, dropout_embedding)
    H = nn.GRU(E) over packed sequences            pack_padded_sequence: padding never enters the GRU
    H = dropout(H, dropout_hidden)
    loss = F.cross_entropy(H[targets] @ Wy.T + By, next items)      mean over the target positions

Initialisation as hidasib/GRU4Rec_PyTorch_Official's init_parameter_matrix: U(+-sqrt(6 / (rows / a +
cols / b))) with b = 3 for the GRU's weight_ih / weight_hh and 1 for Wy; zero biases and By. Adam.
Windows: each training user's last max_length + 1 events, inputs = all but the last, targets = all but
the first; users with one event give no window. Logits are formed at target positions only (as recoder
does), not at padding. After each epoch the validation users' NDCG@100 (history items excluded, full
catalogue) is computed and the best epoch's weights kept; the test reports HR@10, NDCG@10, MRR@10,
NDCG@100 with the same exclusions.

    python3 gru4rec_torch.py DATA.json '{"hidden": 64, "maxLength": 50, ...}'

DATA.json (written by bench/gru4rec-torch.ts from recoder's leave-last-out split): nItems; train (one
ordered item list per user); validation and test: inputs (ordered history), targets (one item) and
exclude (the items removed from the ranking) per evaluated user. Prints one JSON object.
"""

import copy
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def init_parameter_matrix(tensor, dim0_scale=1, dim1_scale=1):
    sigma = math.sqrt(6.0 / float(tensor.size(0) / dim0_scale + tensor.size(1) / dim1_scale))
    with torch.no_grad():
        tensor.uniform_(-sigma, sigma)


class GRU4Rec(nn.Module):
    def __init__(self, n_items, hidden, dropout_embedding, dropout_hidden):
        super().__init__()
        self.Wy = nn.Parameter(torch.empty(n_items, hidden))
        self.By = nn.Parameter(torch.zeros(n_items))
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.dropout_embedding = dropout_embedding
        self.dropout_hidden = dropout_hidden
        init_parameter_matrix(self.Wy)
        init_parameter_matrix(self.gru.weight_ih_l0, dim1_scale=3)
        init_parameter_matrix(self.gru.weight_hh_l0, dim1_scale=3)
        nn.init.zeros_(self.gru.bias_ih_l0)
        nn.init.zeros_(self.gru.bias_hh_l0)

    def states(self, inputs, lengths):
        """inputs: batch x L item indices, left-aligned (padding after lengths[b]); returns batch x L x H."""
        e = F.dropout(F.embedding(inputs, self.Wy), self.dropout_embedding, self.training)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        h, _ = pad_packed_sequence(out, batch_first=True, total_length=inputs.shape[1])
        return F.dropout(h, self.dropout_hidden, self.training)

    def logits(self, h):
        return h @ self.Wy.T + self.By


def padded(sequences, max_length):
    """Left-aligned batch: the last max_length items of each sequence, zero-padded after."""
    cut = [s[-max_length:] for s in sequences]
    lengths = torch.tensor([len(s) for s in cut], dtype=torch.int64)
    x = torch.zeros((len(cut), max(1, int(lengths.max()))), dtype=torch.int64)
    for b, s in enumerate(cut):
        x[b, : len(s)] = torch.tensor(s, dtype=torch.int64)
    return x, lengths


def last_states(model, histories, max_length, batch_size=512):
    """The state after each history's last event (0 for an empty history)."""
    out = []
    for start in range(0, len(histories), batch_size):
        chunk = histories[start : start + batch_size]
        x, lengths = padded([s if len(s) > 0 else [0] for s in chunk], max_length)
        h = model.states(x, lengths)
        last = h[torch.arange(len(chunk)), lengths - 1]
        last[torch.tensor([len(s) == 0 for s in chunk])] = 0
        out.append(last)
    return torch.cat(out)


@torch.no_grad()
def ranking(model, phase, max_length, ks):
    """HR@k, NDCG@k, MRR@k per user with the phase's exclusions, averaged."""
    model.eval()
    totals = {}
    n = len(phase["targets"])
    for start in range(0, n, 1024):
        idx = range(start, min(n, start + 1024))
        scores = model.logits(last_states(model, [phase["inputs"][i] for i in idx], max_length))
        for row, i in enumerate(idx):
            if phase["exclude"][i]:
                scores[row, torch.tensor(phase["exclude"][i], dtype=torch.int64)] = -math.inf
        targets = torch.tensor([phase["targets"][i] for i in idx], dtype=torch.int64)
        target_scores = scores[torch.arange(len(idx)), targets]
        # Rank = items scoring strictly higher (ties go to the lower index, as recoder's top-k does).
        higher = (scores > target_scores[:, None]).sum(1) + ((scores == target_scores[:, None]) & (torch.arange(scores.shape[1])[None, :] < targets[:, None])).sum(1)
        excluded = torch.isinf(target_scores)
        for k in ks:
            hit = (higher < k) & ~excluded
            totals[f"hr@{k}"] = totals.get(f"hr@{k}", 0.0) + float(hit.sum())
            totals[f"ndcg@{k}"] = totals.get(f"ndcg@{k}", 0.0) + float((hit / torch.log2(higher.float() + 2)).sum())
            totals[f"mrr@{k}"] = totals.get(f"mrr@{k}", 0.0) + float((hit / (higher.float() + 1)).sum())
    model.train()
    return {name: value / n for name, value in totals.items()}


def main():
    data = json.load(open(sys.argv[1]))
    settings = json.loads(sys.argv[2])
    torch.manual_seed(settings["seed"])
    torch.set_num_threads(settings["threads"])
    rng = np.random.default_rng(settings["seed"])
    max_length = settings["maxLength"]
    model = GRU4Rec(data["nItems"], settings["hidden"], settings["dropoutEmbedding"], settings["dropoutHidden"])
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["learningRate"])
    windows = [s[-(max_length + 1) :] for s in data["train"] if len(s) >= 2]
    # All windows as tensors once, so that an epoch times the model, not Python list handling.
    all_x, all_lengths = padded([w[:-1] for w in windows], max_length)
    all_y, _ = padded([w[1:] for w in windows], max_length)
    epoch_seconds, validation, best, best_state = [], [], -1.0, None
    for epoch in range(settings["epochs"]):
        start = time.perf_counter()
        order = rng.permutation(len(windows))
        loss_sum, target_sum = 0.0, 0
        for b in range(0, len(order), settings["batchSize"]):
            rows = torch.from_numpy(order[b : b + settings["batchSize"]])
            lengths = all_lengths[rows]
            width = int(lengths.max())
            x, y = all_x[rows, :width], all_y[rows, :width]
            mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
            h = model.states(x, lengths)
            loss = F.cross_entropy(model.logits(h[mask]), y[mask])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += float(loss) * int(mask.sum())
            target_sum += int(mask.sum())
        epoch_seconds.append(time.perf_counter() - start)
        score = ranking(model, data["validation"], max_length, [100])["ndcg@100"]
        validation.append(score)
        print(f"epoch {epoch + 1}: loss {loss_sum / target_sum:.4f}, {epoch_seconds[-1]:.2f} s, validation ndcg@100 {score:.4f}", file=sys.stderr)
        if score > best:
            best, best_state, best_epoch = score, copy.deepcopy(model.state_dict()), epoch + 1
    model.load_state_dict(best_state)
    metrics = ranking(model, data["test"], max_length, [10, 100])
    print(json.dumps({
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainWindows": len(windows),
        "epochSeconds": epoch_seconds,
        "validationNdcg100": validation,
        "bestEpoch": best_epoch,
        "metrics": {k: metrics[k] for k in ["hr@10", "ndcg@10", "mrr@10", "ndcg@100"]},
    }))


if __name__ == "__main__":
    main()
