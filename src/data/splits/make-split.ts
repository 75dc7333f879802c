/** Makes a split again from its JSON-able description (e.g. one read back from a saved split file). */
import type { Split, SplitProtocol } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { heldOutUsersSplit } from './held-out-users.js';
import { itemColdStartSplit } from './item-cold-start.js';
import { leaveLastOutSplit } from './leave-last-out.js';
import { randomRatingSplit } from './random-ratings.js';
import { timeSplit } from './time.js';
import { userRatioSplit } from './user-ratio.js';

/** The split of `data` that `protocol` describes; the same protocol and data give the same split. */
export function makeSplit(data: InteractionData, protocol: SplitProtocol): Split {
  switch (protocol.kind) {
    case 'random-ratings':
      return randomRatingSplit(data, protocol);
    case 'user-ratio':
      return userRatioSplit(data, protocol);
    case 'held-out-users':
      return heldOutUsersSplit(data, protocol);
    case 'leave-last-out':
      return leaveLastOutSplit(data, protocol);
    case 'time':
      return timeSplit(data, protocol);
    case 'item-cold-start':
      return itemColdStartSplit(data, protocol);
    default: {
      const kind = (protocol as { kind?: unknown }).kind;
      throw new Error(
        `unknown split protocol kind ${JSON.stringify(kind)}; expected one of 'random-ratings', 'user-ratio', 'held-out-users', 'leave-last-out', 'time', 'item-cold-start'`,
      );
    }
  }
}
