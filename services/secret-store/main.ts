import { runService } from "../shared/runtime/index.js";
import { start } from "./index.js";

runService("secret-store", (deps, env) => start(deps, { keysDir: env.SWARM_KEYS_DIR }));
