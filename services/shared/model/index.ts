export { caRotationDone, type CaRotationProgress, caRotationProgress } from "./ca-rotation.js";
export { isBatch, membersOf, storedMembers } from "./batch-members.js";
export { BATCH_LIMITS, packAssigned, packCreated, packStatuses } from "./batches.js";
export { type ApiTokenView, applySlices, type ClusterState, type ClusterView, type ConfigView, currentVersion, type EndpointView, type NetworkAllocationView, type NetworkView, evolve, foldTable, type FoldTable, initialClusterState, type NodeView, type SecretView, type ServiceView, SLICE_KINDS, slotKey, tasksOfService, type TaskView, versionOf } from "./cluster-state.js";
export { type Constraint, ipMatches, matchAll, matchConstraint, OPERATOR_ERROR, parseConstraint, parseConstraints } from "./constraint.js";
export { type AppendRequest, type AppendResult, type EventContext, type EventStore, plan, type PlannedEvent, type Subscription, toAppend, type UnreadableEvent } from "./event-store.js";
export { GivenCluster } from "./given.fixture.js";
export { isTaskDirty, sameJson } from "./task-dirty.js";
export { parseSnapshotState, SNAPSHOT_FORMAT, SnapshotMeta, type SnapshotState, toSnapshotState } from "./snapshot.js";
