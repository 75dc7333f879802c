/**
 * Limits on the text and the free-form JSON a client may send, shared by the
 * schemas (schemas.ts) and the validators (validation.ts). Both stores must
 * give the same answer to the same request, and PostgreSQL cannot store a NUL
 * character in TEXT or JSONB, nor an unpaired UTF-16 surrogate in JSONB; an id
 * with an unpaired surrogate cannot be addressed in a URL either (percent
 * encoding is UTF-8). So such strings are refused with 400 before any store
 * sees them, and so is JSON nested so deep that serialising it overflows.
 */

/**
 * A JSON-schema `pattern` (Ajv compiles patterns with the `u` flag, so a
 * surrogate pair is one code point outside the class): no NUL, no unpaired
 * surrogate.
 */
export const WELL_FORMED_TEXT_PATTERN = '^[^\\u0000\\ud800-\\udfff]*$';

/** Deepest nesting of a free-form `attributes` value (the attributes object itself is level 1). */
export const MAX_ATTRIBUTE_DEPTH = 32;

/** The Ajv keyword that checks a free-form JSON value (see freeFormJsonProblem). */
export const FREE_FORM_JSON_KEYWORD = 'x-freeFormJson';

const NUL_OR_SURROGATE = /[\u0000\ud800-\udfff]/u;

/** What is wrong with a string as text, or undefined when nothing is. */
export function textProblem(text: string): string | undefined {
  const match = NUL_OR_SURROGATE.exec(text);
  if (match === null) return undefined;
  return match[0] === '\u0000' ? 'contains a NUL character (\\u0000)' : 'contains an unpaired UTF-16 surrogate (ill-formed Unicode)';
}

export interface JsonProblem {
  /** JSON pointer below the checked value ('' for the value itself). */
  readonly pointer: string;
  readonly message: string;
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The first problem of a free-form JSON value: nested deeper than `maxDepth`
 * (reported at the value itself), or a key or string that is not well-formed
 * text (reported where it is). Stops descending at `maxDepth`, so its own
 * recursion is bounded however deep the input.
 */
export function freeFormJsonProblem(value: unknown, maxDepth: number): JsonProblem | undefined {
  let tooDeep = false;
  const walk = (node: unknown, pointer: string, depth: number): JsonProblem | undefined => {
    if (typeof node === 'string') {
      const problem = textProblem(node);
      return problem === undefined ? undefined : { pointer, message: problem };
    }
    if (node === null || typeof node !== 'object') return undefined;
    if (depth > maxDepth) {
      tooDeep = true;
      return undefined;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const found = walk(node[i], `${pointer}/${i}`, depth + 1);
        if (found !== undefined || tooDeep) return found;
      }
      return undefined;
    }
    for (const [key, child] of Object.entries(node)) {
      const keyProblem = textProblem(key);
      if (keyProblem !== undefined) return { pointer, message: `has a key that ${keyProblem}` };
      const found = walk(child, `${pointer}/${escapePointer(key)}`, depth + 1);
      if (found !== undefined || tooDeep) return found;
    }
    return undefined;
  };
  const found = walk(value, '', 1);
  if (tooDeep) return { pointer: '', message: `nests deeper than ${maxDepth} levels of objects and arrays` };
  return found;
}
