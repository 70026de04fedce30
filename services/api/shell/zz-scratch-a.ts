import { b } from "./zz-scratch-b.js";
export const a = (): number => b() + 1;
