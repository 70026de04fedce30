export { type EventListener, Informer, type InformerOptions } from "./informer.js";
export { deleteAllSnapshots, SnapshotStore, stringifySliced } from "./snapshot-store.js";
