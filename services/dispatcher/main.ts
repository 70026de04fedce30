import { runService } from "../shared/index.js";
import { start } from "./index.js";

runService("dispatcher", (deps) => start(deps, { partitioned: true }));
