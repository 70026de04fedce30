export * from "./primitives.js";
export * from "./specs.js";
export * from "./events/index.js";
export * from "./subjects.js";
export * from "./node-messages.js";
export * as api from "./api.js";
export { formatZodError } from "./zod-error.js";
export * from "./roster.js";
export * from "./rpc.js";
