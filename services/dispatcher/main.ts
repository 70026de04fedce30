import { runService } from "../shared/runtime/index.js";
import { start } from "./index.js";

runService("dispatcher", (deps) => start(deps, { partitioned: true }));
