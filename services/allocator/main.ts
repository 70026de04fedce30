import { runService } from "../shared/runtime/index.js";
import { start } from "./index.js";

runService("allocator", (deps) => start(deps));
