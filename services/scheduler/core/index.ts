export { plan, decide, needsScheduling } from "./plan.js";
export { PIPELINE, runPipeline, explain, noSuitableNode } from "./pipeline.js";
export { chooseNode } from "./choose.js";
export { nodeInfos, taskInfo, isActive, holdsNode, NodeInfo, type TaskInfo } from "./node-info.js";
export { mayChangePlacement, PASS } from "./routing.js";
