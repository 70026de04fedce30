export { appendPlanned, decideAndCommit, msgIdOf } from "./commit.js";
export { Fifo } from "./fifo.js";
export { WorkQueue } from "./work-queue.js";
export { Controller, type ControllerDeps, type ControllerSpec, startController } from "./controller.js";
