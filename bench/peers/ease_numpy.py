"""EASE (Steck 2019) and EDLAE/DLAE (Steck 2020) in NumPy on a saved recoder split: the peer
for bench/ease-numpy.ts.

    ease:  B = -P / diag(P) column-wise, diag(B) = 0, with P = (X^T X + lambda I)^-1
    edlae: the same with Lambda = p/(1-p) diag(X^T X) + lambda in place of lambda I
    dlae:  B = I - P Lambda, with P = (X^T X + Lambda)^-1

Usage: ease_numpy.py SPLIT LAMBDA [MODEL [DROPOUT]]

X is the split's training matrix (held-out users' rows are empty). Test users
are scored from their fold-in rows, fold-in items are excluded, and the
metrics use the same definitions as recoder's src/eval/metrics.ts:
NDCG@k with binary relevance and IDCG over min(|targets|, k); recall@k =
hits/|targets|; recall_capped@k = hits/min(k, |targets|).

Prints one JSON object: fit seconds (Gram + inverse + B), metrics, and the
NumPy/BLAS configuration.
"""

import json
import sys
import time

import numpy as np

from split_io import csr_to_dense, load_split


def ranking_metrics(scores, exclude, targets, ks_ndcg=(100,), ks_recall=(20, 50)):
    n_users, n_items = scores.shape
    scores = scores.copy()
    for r in range(n_users):
        scores[r, exclude["indices"][exclude["indptr"][r]:exclude["indptr"][r + 1]]] = -np.inf
    max_k = max(max(ks_ndcg), max(ks_recall))
    # Full-catalogue ranking: partial selection, then an exact sort of the top max_k
    # (ties by lower item index, like recoder's top-k).
    part = np.argpartition(-scores, max_k - 1, axis=1)[:, :max_k]
    out = {f"ndcg@{k}": [] for k in ks_ndcg}
    out.update({f"recall@{k}": [] for k in ks_recall})
    out.update({f"recall_capped@{k}": [] for k in ks_recall})
    discounts = 1.0 / np.log2(np.arange(2, max_k + 2))
    for r in range(n_users):
        t = set(targets["indices"][targets["indptr"][r]:targets["indptr"][r + 1]].tolist())
        if not t:
            continue
        cand = part[r]
        order = np.lexsort((cand, -scores[r, cand]))
        ranked = cand[order]
        hits = np.array([1.0 if i in t else 0.0 for i in ranked])
        for k in ks_ndcg:
            dcg = float((hits[:k] * discounts[:k]).sum())
            idcg = float(discounts[: min(len(t), k)].sum())
            out[f"ndcg@{k}"].append(dcg / idcg)
        for k in ks_recall:
            h = float(hits[:k].sum())
            out[f"recall@{k}"].append(h / len(t))
            out[f"recall_capped@{k}"].append(h / min(k, len(t)))
    return {name: float(np.mean(values)) for name, values in out.items()}


def main():
    split_path, lam = sys.argv[1], float(sys.argv[2])
    model = sys.argv[3] if len(sys.argv) > 3 else "ease"
    dropout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    split = load_split(split_path)
    n_items = split["n_items"]
    x = csr_to_dense(**split["train"]).astype(np.float64)

    started = time.perf_counter()
    g = x.T @ x
    penalty = lam if model == "ease" else dropout / (1.0 - dropout) * np.diag(g) + lam
    g[np.diag_indices(n_items)] += penalty
    p = np.linalg.inv(g)
    if model == "dlae":
        b = np.eye(n_items) - p * penalty[np.newaxis, :]
    else:
        b = p / (-np.diag(p))
        b[np.diag_indices(n_items)] = 0.0
    fit_seconds = time.perf_counter() - started

    test = split["test"]
    fold_in = csr_to_dense(**test["input"])
    started = time.perf_counter()
    scores = fold_in.astype(np.float64) @ b
    score_seconds = time.perf_counter() - started
    metrics = ranking_metrics(scores, test["exclude"], test["targets"])
    blas = "unknown"
    try:
        from numpy.__config__ import get_info  # noqa: F401  (older NumPy)
    except ImportError:
        pass
    try:
        import numpy.__config__ as cfg
        blas = str(getattr(cfg, "CONFIG", {}).get("Build Dependencies", {}).get("blas", {}).get("name", "openblas"))
    except Exception:
        pass
    print(json.dumps({
        "system": "numpy",
        "numpyVersion": np.__version__,
        "blas": blas,
        "fitSeconds": fit_seconds,
        "scoreSeconds": score_seconds,
        "metrics": metrics,
        "testUsers": int(len(test["users"])),
    }))


if __name__ == "__main__":
    main()
