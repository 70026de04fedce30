export { chainNext, GENESIS, listCheckpoints, openAuditKv, putCheckpoint, readRange, seqAtTime, streamBounds, waitPast, type Checkpoint, type RawMsg } from "./audit-chain.js";
export { connectionFeed, pushRead, type Feed, type InboxMsg } from "./push-reader.js";
export { rawFeed } from "./raw-inbox.js";
export { readRange as readStreamRange } from "./stream-reader.js";
