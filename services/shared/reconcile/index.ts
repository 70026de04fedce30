export { appendPlanned, decideAndCommit, msgIdOf } from "./commit.js";
// Fifo lives in eventlog/ (the event store queues appends in one, and eventlog comes before
// reconcile); re-exported here for the work-queue users that import it with WorkQueue.
export { Fifo } from "../eventlog/index.js";
export { WorkQueue } from "./work-queue.js";
export { Controller, type ControllerDeps, type ControllerSpec, startController } from "./controller.js";
