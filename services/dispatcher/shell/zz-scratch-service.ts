export * as orchestrator from "../../orchestrator/index.js";
