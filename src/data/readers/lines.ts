import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Text encodings the readers accept. MovieLens 100K/1M title files are latin1. */
export type TextEncoding = 'utf8' | 'latin1';

export interface LineReadOptions {
  encoding?: TextEncoding;
  /** Bytes read per chunk; larger chunks mean fewer, bigger batches. */
  chunkBytes?: number;
}

/** Consecutive lines of a file; `lines[k]` is line number `firstLineNumber + k` (1-based). */
export interface LineBatch {
  readonly firstLineNumber: number;
  readonly lines: readonly string[];
}

const NEWLINE = '\n';
const CARRIAGE_RETURN = 13;

/**
 * Reads a text file chunk by chunk and yields its lines in batches, without
 * their line endings ('\n' or '\r\n'). Only one chunk's lines are alive at a
 * time, so memory stays flat however long the file is; callers parse each
 * batch in a plain loop, which is much faster than one await per line.
 * A UTF-8 byte order mark at the start is dropped. Blank lines are yielded
 * (they keep the line numbers right); callers decide what they mean.
 */
export async function* lineBatches(file: string, options: LineReadOptions = {}): AsyncGenerator<LineBatch> {
  const encoding = options.encoding ?? 'utf8';
  // StringDecoder keeps a multi-byte character that straddles two chunks intact.
  const decoder = new StringDecoder(encoding);
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let carry = '';
  let nextLineNumber = 1;
  let atStart = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text = carry + decoder.write(chunk);
    if (atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      atStart = false;
    }
    const lastNewline = text.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(lastNewline + 1);
    const lines = text.slice(0, lastNewline).split(NEWLINE);
    stripCarriageReturns(lines);
    yield { firstLineNumber: nextLineNumber, lines };
    nextLineNumber += lines.length;
  }
  let rest = carry + decoder.end();
  if (atStart && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0) {
    const lines = [rest];
    stripCarriageReturns(lines);
    yield { firstLineNumber: nextLineNumber, lines };
  }
}

/** The lines of a file one at a time with their 1-based numbers; convenient, but slower than lineBatches. */
export async function* readLines(
  file: string,
  options: LineReadOptions = {},
): AsyncGenerator<{ line: string; lineNumber: number }> {
  for await (const batch of lineBatches(file, options)) {
    for (let k = 0; k < batch.lines.length; k++) {
      yield { line: batch.lines[k]!, lineNumber: batch.firstLineNumber + k };
    }
  }
}

/** True for empty or whitespace-only text (a line or a field). */
export function isBlank(text: string): boolean {
  // Fast path: almost every line and field starts with a visible character.
  return text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim().length === 0);
}

function stripCarriageReturns(lines: string[]): void {
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) lines[k] = line.slice(0, -1);
  }
}
