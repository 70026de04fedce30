export { newSealKey, seal, type SealKey, type SealPublicKey } from "./seal.js";
