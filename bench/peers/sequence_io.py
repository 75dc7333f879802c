"""Reads the ordered event sequences of a recoder split file (src/data/split-io.ts).

Sequence splits (leave-last-out, time) store, next to split_io.py's matrices,

    train.sequences.indptr (I32), .items (I32), .weights (F32)[, .timestamps (F64)]   one row per user
    <phase>.input_sequences.indptr / .items / ...                                    one row per evaluated user

each row's events oldest first (repeats kept), the order sequence models read.
"""

from split_io import read_safetensors


def load_sequences(path):
    """Returns {"train": [...], "validation": [...] or None, "test": [...]}: lists of int item lists."""
    tensors, _ = read_safetensors(path)

    def rows(name):
        if f"{name}.indptr" not in tensors:
            return None
        indptr, items = tensors[f"{name}.indptr"], tensors[f"{name}.items"]
        return [items[indptr[r]:indptr[r + 1]].tolist() for r in range(len(indptr) - 1)]

    train = rows("train.sequences")
    if train is None:
        raise ValueError(f"{path}: the split has no ordered sequences (make it with a sequence protocol such as leave-last-out)")
    return {"train": train, "validation": rows("validation.input_sequences"), "test": rows("test.input_sequences")}
