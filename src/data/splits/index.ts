/** The split protocols: each a pure, seeded function from InteractionData to a Split. */
export { randomRatingSplit, type RandomRatingSplitOptions } from './random-ratings.js';
export { userRatioSplit, ratioSplitCounts, type UserRatioSplitOptions } from './user-ratio.js';
export { heldOutUsersSplit, heldOutTargetCount, type HeldOutUsersSplitOptions } from './held-out-users.js';
export { itemColdStartSplit, type ItemColdStartSplitOptions } from './item-cold-start.js';
export { leaveLastOutSplit, type LeaveLastOutSplitOptions } from './leave-last-out.js';
export { timeSplit, type TimeSplitOptions } from './time.js';
export { makeSplit } from './make-split.js';
export { sessionSplitByDays, sessionSplitGivenTest, type SessionSplit, type SessionSplitCounts, type SessionSplitProtocol, type SessionTestSet } from './sessions.js';
