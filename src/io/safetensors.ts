/**
 * The safetensors container (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length N, N bytes of JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
 * then the raw little-endian tensor bytes. Python reads it with the
 * `safetensors` package or with ten lines of NumPy.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';

export type TensorData = Float32Array | Float64Array | Int32Array | Int16Array | Uint8Array;
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I16' | 'U8';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: TensorData;
}

const dtypeOf = (data: TensorData): SafetensorsDtype => {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  return 'U8';
};

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I16: 2, U8: 1 };

export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) {
      throw new Error(`tensor '${name}' has shape [${t.shape.join(', ')}] (${expected} elements) but ${t.data.length} values`);
    }
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned (allowed by the format).
  const pad = (8 - ((8 + Buffer.byteLength(json)) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name]!;
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Buffer, source = 'safetensors data'): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8) throw new Error(`${source}: file too short to be safetensors (${bytes.length} bytes)`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw new Error(`${source}: header length ${headerLength} exceeds the file size`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] };
    const width = BYTES[dtype];
    if (width === undefined) throw new Error(`${source}: tensor '${name}' has unsupported dtype ${dtype}`);
    const [begin, end] = data_offsets;
    if (dataStart + end > bytes.length || begin > end) throw new Error(`${source}: tensor '${name}' lies outside the file`);
    const count = (end - begin) / width;
    // Copy into a fresh, aligned buffer: the file's offsets need not be aligned for the dtype.
    const raw = new Uint8Array(end - begin);
    raw.set(bytes.subarray(dataStart + begin, dataStart + end));
    const data =
      dtype === 'F32' ? new Float32Array(raw.buffer, 0, count)
      : dtype === 'F64' ? new Float64Array(raw.buffer, 0, count)
      : dtype === 'I32' ? new Int32Array(raw.buffer, 0, count)
      : dtype === 'I16' ? new Int16Array(raw.buffer, 0, count)
      : raw;
    const expected = shape.reduce((a, b) => a * b, 1);
    if (expected !== count) throw new Error(`${source}: tensor '${name}' shape [${shape.join(', ')}] does not match its ${count} values`);
    tensors[name] = { shape, data };
  }
  return { tensors, metadata };
}

export async function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  return decodeSafetensors(await readFile(path), path);
}
