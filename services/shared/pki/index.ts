export { caDigest, type CertAndKey, checkCsr, createKeyAndCsr, createRootCa, issueCert, type NodeRole, ROLE_OU, signNodeCsr } from "./ca.js";
export { deriveJoinToken, parseJoinToken } from "./join-token.js";
export { writeKeyFile } from "./keys.js";
export { type CertIdentity, verifyCert } from "./verify.js";
export { formatUnlockKey, isWrapped, keyringId, newUnlockKey, parseUnlockKey, UNLOCK_KEY_PREFIX, unlockKeyCheck, unwrapKey, wrapKey } from "./key-wrap.js";
