export { appendPlanned, decideAndCommit, msgIdOf } from "./commit.js";
export { Fifo } from "./fifo.js";
export { WorkQueue } from "./work-queue.js";
