export { parseEnv } from "./config.js";
export { every, runMain } from "./lifecycle.js";
export { runService, serviceActor, type ServiceDeps } from "./service.js";
