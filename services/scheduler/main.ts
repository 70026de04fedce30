import { runService } from "../shared/index.js";
import { start } from "./index.js";

runService("scheduler", (deps) => start(deps));
