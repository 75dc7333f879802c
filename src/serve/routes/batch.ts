/** The one-or-many request body of the write routes: `{ id, ... }` or `{ users: [...] }`. */
import { ApiError } from '../errors.js';

/**
 * The records of a body that is either one record or `{ [plural]: [...] }`.
 * The schema checks each field; this checks the choice between the two forms
 * and, for the single form, the required fields (the schema cannot require
 * them, since the batch form has none of them).
 */
export function recordsOf<T>(body: Record<string, unknown>, plural: string, required: readonly string[]): T[] {
  const batch = body[plural];
  const singleFields = Object.keys(body).filter((key) => key !== plural);
  if (batch !== undefined) {
    if (singleFields.length > 0) {
      throw new ApiError(400, 'invalid_request', `give one record or { ${plural}: [...] }, not both: found ${singleFields.map((f) => `'${f}'`).join(', ')} beside '${plural}'`, {
        fields: singleFields,
      });
    }
    return batch as T[];
  }
  for (const field of required) {
    if (body[field] === undefined) {
      throw new ApiError(400, 'missing_field', `missing required field '${field}' in the request body (or send a batch as { ${plural}: [...] })`, { field, in: 'body' });
    }
  }
  return [body as T];
}
