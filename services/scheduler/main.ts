import { runService } from "../shared/runtime/index.js";
import { start } from "./index.js";

runService("scheduler", (deps) => start(deps));
