import { runService } from "../shared/runtime/index.js";
import { start } from "./index.js";

/** `swarm run api`: listens on `$SWARM_API_ADDR` (default 127.0.0.1:4280). */
runService("api", (deps, env) => start(deps, { listen: env.SWARM_API_ADDR }));
