export { type EventListener, Informer, type InformerOptions } from "./informer.js";
export { deleteAllSnapshots, sliceFingerprints, SnapshotStore, stringifySliced } from "./snapshot-store.js";
