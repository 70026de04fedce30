export { AddressSpace, ExhaustedError, NO_ADDRESS, reservedRange, reserveOf } from "./address-space.js";
export { ReleaseLedger } from "./ledger.js";
export { netMapOf, networksTouched, removedMap, sameMap } from "./netmap.js";
export { ALLOCATIONS_ID } from "./pack.js";
export { awaitsAllocation, plan, publishesIngress, type AllocationPlan, type PlanOptions } from "./plan.js";
export { DEFAULT_MTU, DEFAULT_POOLS, FIRST_VNI, PORT_RANGE } from "./pools.js";
export { mayNeedAllocation, PASS } from "./routing.js";
