import { runService } from "../shared/runtime/index.js";
import { optionsFromEnv, start } from "./index.js";

runService("orchestrator", (deps, env) => start(deps, { ...optionsFromEnv(env), partitioned: true }));
