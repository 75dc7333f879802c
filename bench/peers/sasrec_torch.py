"""SASRec trained as SASRec+ (Klenitskiy & Vasilev, RecSys 2023) in PyTorch on a saved recoder
split: the peer for bench/sasrec-torch.ts.

The authors' model (antklen/sasrec-bert4rec-recsys23, src/models.py, itself adapted from
pmixer/SASRec.pytorch), written the way their code runs it:

    x = dropout(sqrt(d) * E[items] + P[positions])     positions 0.. from each window's oldest event
    x *= ~padding                                       right-padded batches (their collate)
    per block:  a = LN1(x);  x = a + MHA(a, x, x, causal mask)       nn.MultiheadAttention(d, heads, dropout)
                y = LN2(x);  x = y + dropout(W2 relu(dropout(W1 y + b1)) + b2);  x *= ~padding
    h = LN_final(x);  logits = h @ E.T                  item embedding tied with the output
    loss = cross_entropy(logits at every position with a next item, full catalogue)

LayerNorm eps 1e-8; init: embeddings, MHA out_proj and the feed-forward N(0, 0.02^2), biases 0,
MHA in_proj keeps torch's Xavier-uniform. Two differences from the authors' script, both shared
with recoder so that the two systems compute the same thing: the embedding has no padding row in
the softmax (a pad row at index n_items is excluded from the logits), and the logits are computed
only at positions that have a target (the authors compute them at padded positions too and let
cross_entropy ignore them; selecting first gives the same loss and gradients with less work, so
it is the faster peer). Training windows are each user's last max_length + 1 events (their
CausalLMDataset); each epoch shuffles the users with at least two events; Adam.

After each epoch the validation users' NDCG@10 (the authors' val_ndcg at predict_top_k 10) (inputs = their last max_length events, earlier
items excluded) decides the best epoch (patience as given; 0: never stop early); its weights are
kept and the test users are ranked against the whole catalogue with their earlier items excluded.

    python3 sasrec_torch.py SPLIT_FILE '{"hidden": 64, "blocks": 2, "heads": 1, "maxLength": 50, ...}'

Prints one JSON object: per-epoch training seconds (the training pass only), per-epoch validation
NDCG@10, the best epoch and the test metrics (hr@10 = recall@10 with one target, ndcg@10, ndcg@100).
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

from ease_numpy import ranking_metrics
from sequence_io import load_sequences
from split_io import load_split

INIT_STD = 0.02
LAYER_NORM_EPS = 1e-8


class FeedForward(nn.Module):
    def __init__(self, d, rate):
        super().__init__()
        self.inner = nn.Linear(d, d)
        self.outer = nn.Linear(d, d)
        self.drop1 = nn.Dropout(rate)
        self.drop2 = nn.Dropout(rate)

    def forward(self, y):
        return y + self.drop2(self.outer(torch.relu(self.drop1(self.inner(y)))))


class SASRec(nn.Module):
    def __init__(self, n_items, d, blocks, heads, max_length, rate):
        super().__init__()
        self.n_items = n_items
        self.item_emb = nn.Embedding(n_items + 1, d, padding_idx=n_items)
        self.pos_emb = nn.Embedding(max_length, d)
        self.emb_drop = nn.Dropout(rate)
        self.attn_norms = nn.ModuleList(nn.LayerNorm(d, eps=LAYER_NORM_EPS) for _ in range(blocks))
        self.attns = nn.ModuleList(nn.MultiheadAttention(d, heads, dropout=rate, batch_first=True) for _ in range(blocks))
        self.ffn_norms = nn.ModuleList(nn.LayerNorm(d, eps=LAYER_NORM_EPS) for _ in range(blocks))
        self.ffns = nn.ModuleList(FeedForward(d, rate) for _ in range(blocks))
        self.last_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.apply(self._init)

    @staticmethod
    def _init(module):
        # As the authors' _init_weights; MultiheadAttention's in_proj_weight is no Linear and keeps Xavier.
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(0.0, INIT_STD)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(0.0, INIT_STD)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    def hidden(self, items, padding):
        """items: B x T (right-padded with n_items), padding: B x T bool. Returns B x T x d."""
        d = self.item_emb.embedding_dim
        x = self.item_emb(items) * math.sqrt(d)
        positions = torch.arange(items.shape[1], device=items.device).unsqueeze(0).expand_as(items)
        x = self.emb_drop(x + self.pos_emb(positions))
        keep = (~padding).unsqueeze(-1)
        x = x * keep
        causal = torch.triu(torch.ones(items.shape[1], items.shape[1], dtype=torch.bool, device=items.device), diagonal=1)
        for norm1, attn, norm2, ffn in zip(self.attn_norms, self.attns, self.ffn_norms, self.ffns):
            a = norm1(x)
            attended, _ = attn(a, x, x, attn_mask=causal, need_weights=False)
            x = ffn(norm2(a + attended)) * keep
        return self.last_norm(x)

    def catalogue(self):
        return self.item_emb.weight[: self.n_items]


def right_padded(windows, pad):
    longest = max(len(w) for w in windows)
    out = np.full((len(windows), longest), pad, dtype=np.int64)
    for r, w in enumerate(windows):
        out[r, : len(w)] = w
    return torch.from_numpy(out)


def score(model, sequences, max_length, batch_size=256):
    """Scores of every item for each sequence (its last max_length events); n_rows x n_items float32."""
    model.eval()
    n_items = model.n_items
    out = np.empty((len(sequences), n_items), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(sequences), batch_size):
            windows = [s[-max_length:] for s in sequences[start : start + batch_size]]
            lengths = torch.tensor([len(w) for w in windows])
            safe = [w if w else [n_items] for w in windows]
            items = right_padded(safe, n_items)
            h = model.hidden(items, items == n_items)
            last = h[torch.arange(len(windows)), (lengths - 1).clamp(min=0)]
            # An empty history: the final norm of an empty state (its shift), as recoder does.
            empty = lengths == 0
            if empty.any():
                last[empty] = model.last_norm.bias
            out[start : start + len(windows)] = (last @ model.catalogue().T).numpy()
    return out


def evaluate(model, sequences, evaluation, max_length, ks_ndcg, ks_recall, chunk=4096):
    totals, count = {}, 0
    for start in range(0, len(sequences), chunk):
        end = min(start + chunk, len(sequences))
        scores = score(model, sequences[start:end], max_length)
        part = {name: _rows(evaluation[name], start, end) for name in ("exclude", "targets")}
        metrics = ranking_metrics(scores, part["exclude"], part["targets"], ks_ndcg=ks_ndcg, ks_recall=ks_recall)
        users = sum(1 for r in range(end - start) if part["targets"]["indptr"][r + 1] > part["targets"]["indptr"][r])
        for name, value in metrics.items():
            totals[name] = totals.get(name, 0.0) + value * users
        count += users
    return {name: value / count for name, value in totals.items()}


def _rows(csr, start, end):
    indptr = csr["indptr"][start : end + 1]
    return {"indptr": indptr - indptr[0], "indices": csr["indices"][indptr[0] : indptr[-1]], "values": csr["values"][indptr[0] : indptr[-1]]}


def main():
    split_path, settings = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(int(settings.get("threads", 2)))
    seed = int(settings.get("seed", 1))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    split = load_split(split_path)
    sequences = load_sequences(split_path)
    n_items = split["n_items"]
    d, max_length, batch_size = settings["hidden"], settings["maxLength"], settings["batchSize"]
    model = SASRec(n_items, d, settings["blocks"], settings["heads"], max_length, settings["dropout"])
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["learningRate"])
    users = [s for s in sequences["train"] if len(s) >= 2]
    epochs, patience = settings["epochs"], settings.get("patience", 0)
    epoch_seconds, validation_ndcg = [], []
    best, best_epoch, best_state = -1.0, 0, None
    for epoch in range(1, epochs + 1):
        model.train()
        started = time.perf_counter()
        order = rng.permutation(len(users))
        for start in range(0, len(order), batch_size):
            windows = [users[u][-max_length - 1 :] for u in order[start : start + batch_size]]
            inputs = right_padded([w[:-1] for w in windows], n_items)
            targets = right_padded([w[1:] for w in windows], n_items)
            padding = inputs == n_items
            h = model.hidden(inputs, padding)
            selected = ~padding
            logits = h[selected] @ model.catalogue().T
            loss = F.cross_entropy(logits, targets[selected])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - started)
        if split["validation"] is not None:
            ndcg = evaluate(model, sequences["validation"], split["validation"], max_length, (10,), (10,))["ndcg@10"]
            validation_ndcg.append(ndcg)
            if ndcg > best:
                best, best_epoch, best_state = ndcg, epoch, copy.deepcopy(model.state_dict())
            elif patience > 0 and epoch - best_epoch >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = len(epoch_seconds)
    metrics = evaluate(model, sequences["test"], split["test"], max_length, (10, 100), (10, 20))
    metrics["hr@10"] = metrics["recall@10"]
    print(json.dumps({
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainUsers": len(users),
        "epochSeconds": epoch_seconds,
        "validationNdcg10": validation_ndcg,
        "bestEpoch": best_epoch,
        "metrics": metrics,
    }))


if __name__ == "__main__":
    main()
