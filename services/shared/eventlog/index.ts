export { deterministicId, msgIdFor, randomId } from "./ids.js";
export { Fifo } from "./fifo.js";
export { JetStreamEventStore } from "./jetstream-event-store.js";
export { MemoryEventStore } from "./memory-event-store.js";
export { followOrdered } from "./ordered-follow.js";
