"""Reads a recoder split file (src/data/split-io.ts) with NumPy only.

The file is safetensors: an 8-byte little-endian header length N, N bytes of
JSON header ({name: {dtype, shape, data_offsets}, "__metadata__": {...}}), then
the raw little-endian tensor bytes. Tensors:

    train.indptr (I32), train.indices (I32), train.values (F32)        n_users x n_items
    <phase>.users (I32)                                                phase: validation | test
    <phase>.<part>.indptr / .indices / .values                         part: input | exclude | targets

Metadata: format 'recoder-split', version '1', protocol (JSON), userIds and
itemIds (JSON arrays of strings), dataFingerprint.

Usage from a peer benchmark:

    from split_io import load_split, csr_to_dense
    split = load_split('ml-1m.split.safetensors')
    x = csr_to_dense(**split['train'])            # float32, n_users x n_items

Run as a script (`python3 split_io.py FILE`) it prints a JSON summary
(sizes, nnz and checksums of every matrix), which recoder's tests compare.
"""

import json
import struct
import sys

import numpy as np

FORMAT = "recoder-split"
SUPPORTED_VERSIONS = ("1",)
PHASES = ("validation", "test")
EVAL_PARTS = ("input", "exclude", "targets")
_DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I16": "<i2", "U8": "u1"}


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata dict) for a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: file too short to be safetensors ({len(raw)} bytes)")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if 8 + header_len > len(raw):
        raise ValueError(f"{path}: header length {header_len} exceeds the file size {len(raw)}")
    try:
        header = json.loads(raw[8 : 8 + header_len].decode("utf-8"))
    except ValueError as e:
        raise ValueError(f"{path}: header is not valid JSON ({e})") from e
    metadata = header.pop("__metadata__", {}) or {}
    data_start = 8 + header_len
    tensors = {}
    for name, entry in header.items():
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        if begin > end or data_start + end > len(raw):
            raise ValueError(f"{path}: tensor '{name}' lies outside the file")
        array = np.frombuffer(raw, dtype=dtype, count=(end - begin) // np.dtype(dtype).itemsize, offset=data_start + begin)
        expected = int(np.prod(entry["shape"], dtype=np.int64))
        if array.size != expected:
            raise ValueError(f"{path}: tensor '{name}' shape {entry['shape']} does not match its {array.size} values")
        tensors[name] = array.reshape(entry["shape"]).copy()  # copy: writable and aligned
    return tensors, metadata


def _csr(path, tensors, name, n_rows, n_cols):
    try:
        indptr = tensors[f"{name}.indptr"]
        indices = tensors[f"{name}.indices"]
        values = tensors[f"{name}.values"]
    except KeyError as e:
        raise ValueError(f"{path}: tensor {e} is missing") from e
    if indptr.dtype != np.int32 or indices.dtype != np.int32 or values.dtype != np.float32:
        raise ValueError(f"{path}: '{name}' must have I32 indptr and indices and F32 values")
    if indptr.shape != (n_rows + 1,):
        raise ValueError(f"{path}: '{name}.indptr' has shape {indptr.shape}, expected ({n_rows + 1},)")
    nnz = int(indptr[-1])
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indices.shape != (nnz,) or values.shape != (nnz,):
        raise ValueError(f"{path}: '{name}' is not a valid CSR matrix with {nnz} entries")
    if nnz and (indices.min() < 0 or indices.max() >= n_cols):
        raise ValueError(f"{path}: '{name}' has column indices outside 0..{n_cols - 1}")
    return {"indptr": indptr, "indices": indices, "values": values, "shape": (n_rows, n_cols)}


def load_split(path):
    """Reads and checks a recoder split file.

    Returns a dict: format, version, protocol (dict), user_ids, item_ids (lists of
    str), data_fingerprint, n_users, n_items, train (a CSR dict: indptr, indices,
    values, shape), validation (None or an eval dict) and test. An eval dict has
    users (int32 row indices into user_ids) and input, exclude, targets (CSR dicts
    with one row per evaluated user).
    """
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: not a recoder split file (metadata format is {metadata.get('format')!r}, expected {FORMAT!r})")
    if metadata.get("version") not in SUPPORTED_VERSIONS:
        raise ValueError(f"{path}: split file version {metadata.get('version')!r} is not supported")
    try:
        protocol = json.loads(metadata["protocol"])
        user_ids = json.loads(metadata["userIds"])
        item_ids = json.loads(metadata["itemIds"])
        fingerprint = metadata["dataFingerprint"]
    except KeyError as e:
        raise ValueError(f"{path}: metadata {e} is missing") from e
    n_users, n_items = len(user_ids), len(item_ids)
    split = {
        "format": metadata["format"],
        "version": metadata["version"],
        "protocol": protocol,
        "user_ids": user_ids,
        "item_ids": item_ids,
        "data_fingerprint": fingerprint,
        "n_users": n_users,
        "n_items": n_items,
        "train": _csr(path, tensors, "train", n_users, n_items),
        "validation": None,
        "test": None,
    }
    for phase in PHASES:
        if f"{phase}.users" not in tensors:
            if phase == "test":
                raise ValueError(f"{path}: tensor 'test.users' is missing")
            continue
        users = tensors[f"{phase}.users"]
        if users.dtype != np.int32 or users.ndim != 1:
            raise ValueError(f"{path}: '{phase}.users' must be a 1-D I32 tensor")
        if users.size and (users.min() < 0 or users.max() >= n_users):
            raise ValueError(f"{path}: '{phase}.users' has user indices outside 0..{n_users - 1}")
        evaluation = {"users": users}
        for part in EVAL_PARTS:
            evaluation[part] = _csr(path, tensors, f"{phase}.{part}", users.size, n_items)
        split[phase] = evaluation
    return split


def csr_to_dense(indptr, indices, values, shape):
    """Dense float32 array of a CSR matrix (what a PyTorch peer feeds to torch.from_numpy)."""
    n_rows, n_cols = shape
    dense = np.zeros((n_rows, n_cols), dtype=np.float32)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(indptr))
    dense[rows, indices] = values
    return dense


def _summary(split):
    def matrix(csr):
        return {
            "shape": list(csr["shape"]),
            "nnz": int(csr["indptr"][-1]),
            "indexSum": int(csr["indices"].astype(np.int64).sum()),
            "valueSum": float(csr["values"].astype(np.float64).sum()),
            # Through the dense form too, to exercise csr_to_dense; skipped where it would not fit in memory.
            "denseSum": float(csr_to_dense(**csr).astype(np.float64).sum()) if csr["shape"][0] * csr["shape"][1] <= 50_000_000 else None,
        }

    out = {
        "protocol": split["protocol"],
        "nUsers": split["n_users"],
        "nItems": split["n_items"],
        "dataFingerprint": split["data_fingerprint"],
        "train": matrix(split["train"]),
    }
    for phase in PHASES:
        if split[phase] is not None:
            out[phase] = {"userSum": int(split[phase]["users"].astype(np.int64).sum()), "nUsers": int(split[phase]["users"].size)}
            for part in EVAL_PARTS:
                out[phase][part] = matrix(split[phase][part])
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: split_io.py SPLIT_FILE")
    print(json.dumps(_summary(load_split(sys.argv[1]))))
