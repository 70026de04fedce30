import { a } from "./zz-scratch-a.js";
export const b = (): number => a() - 1;
