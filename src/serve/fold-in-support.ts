/**
 * Which saved models can score a row they were not trained on (a session,
 * an unknown user's events, a one-item row for "similar items").
 *
 * I-AutoRec ('autorec-item') reconstructs each item's column of ratings over
 * the training users: it scores training users only. For a row of an unknown
 * user it has no input (the user is not a dimension of its network) and
 * answers the default rating for every item, in catalogue order (issue 16,
 * item 12). Rather than return that as if it were a ranking, such requests
 * are refused with a message saying which models can answer them.
 */
import { ApiError } from './errors.js';

const TRAINING_USERS_ONLY: Readonly<Record<string, string>> = {
  'autorec-item': 'I-AutoRec (autorec-item) scores only the users it was trained on',
};

/** Why `model` cannot score rows it was not trained on; undefined when it can. */
export function foldInLimitation(model: string): string | undefined {
  return TRAINING_USERS_ONLY[model];
}

/** What `what` needs instead, for messages. */
const ALTERNATIVES = 'serve autorec-user, ease, itemknn, mult-dae, mult-vae, recvae or cdae for sessions and similar items';

/** Throws the API's 422 when the served model cannot score `what` (a session, similar items). */
export function requireFoldIn(model: string, what: string): void {
  const limitation = foldInLimitation(model);
  if (limitation !== undefined) throw new ApiError(422, 'not_supported_by_model', `${limitation}, so it cannot rank ${what}; ${ALTERNATIVES}`, { model });
}

/** The same refusal as a plain Error, for the CLI. */
export function requireFoldInOrThrow(model: string, what: string): void {
  const limitation = foldInLimitation(model);
  if (limitation !== undefined) throw new Error(`${limitation}, so it cannot rank ${what}; ${ALTERNATIVES}`);
}
