/*
 * The api's application layer: what any front end (the HTTP api, the Docker Engine API) calls.
 * Commands take (deps, actor, parsed input) and answer once the projection applied their events;
 * queries read the projection (or, for audit, the stream itself).
 */
export { type AppDeps } from "./context.js";
export { type ClusterKeys, roleOfToken, TokenCache } from "./tokens.js";
export { caRotation, rotateCa } from "./ca.js";
export { caInfo, clusterInfo, dockerCluster, initCluster, requireClusterOf, joinNode, rotateJoinToken, updateCluster } from "./cluster.js";
export { createService, inspectService, inspectTask, listServices, listTasks, removeService, rollbackService, updateService } from "./services.js";
export { inspectNode, listNodes, removeNode, updateNode } from "./nodes.js";
export {
  controlPlaneMembers, controlPlaneScale, controlPlaneScaleView, controlPlaneView, scaleControlPlane, type ControlPlaneMember,
} from "./control-plane.js";
export {
  auditDiffOf, auditState, eventsPage, sealLog, verifyLog, verifyStream, type AuditDeps, type EventsPage, type EventsQuery, type VerifyReport,
} from "./audit.js";
export {
  createObject, inspectConfig, inspectSecret, listConfigs, listSecrets, removeObject, rotateObject, type CreateObjectInput,
} from "./secrets.js";
export { checkApiToken, createApiToken, listApiTokens, removeApiToken, type ApiTokenRow, type CreatedApiToken } from "./api-tokens.js";
export { logTarget, streamLogs, type LogPiece, type LogsQuery, type LogsSink, type LogsTiming, type LogTarget } from "./logs.js";
export { createNetwork, ensureIngress, ingressIdOf, inspectNetwork, listNetworks, pruneNetworks, removeNetwork } from "./networks.js";
export { AUTOLOCK_MESSAGES, autolockStatus, rotateUnlockKey, setAutolock, unlock, unlockKey, type AutolockKeys } from "./autolock.js";
export {
  classicInfo, containerLogTarget, createContainer, inspectContainer, listContainers, removeContainer, startContainer, stopContainer, type ContainerTiming,
} from "./containers.js";
export { killContainer, topContainer } from "./container-engine.js";
export { engineEventsStart, streamEngineEvents, type EngineEventsQuery } from "./engine-events.js";
export { updateObjectUnchanged } from "./engine-objects.js";
