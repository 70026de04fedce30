export { deterministicId, msgIdFor, randomId } from "./ids.js";
export { JetStreamEventStore } from "./jetstream-event-store.js";
export { MemoryEventStore } from "./memory-event-store.js";
export { followOrdered } from "./ordered-follow.js";
