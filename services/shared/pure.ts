/**
 * The pure part of services/shared: no NATS, no Docker, no node:*, no clock. `core/` folders
 * import from here only (the full barrel `index.ts` pulls in the NATS and process edges).
 */
export * from "./errors.js";
export * from "./event-store.js";
export * from "./cluster-state.js";
export * from "./constraint.js";
export * from "./rendezvous.js";
export * from "./member-table.js";
export * from "./batch-members.js";
export * from "./batches.js";
