export { BACKDATE_MS, caDigest, type CertAndKey, checkCsr, createKeyAndCsr, createRootCa, firstCert, issueCert, type NodeRole, ROLE_OU, signNodeCsr, splitCerts } from "./ca.js";
export { certTimes, type CertDescription, type CertTimes, describeCert } from "./describe.js";
export { certMatchesKey, finishIdentityUpdate, type IdentityFiles, writeIdentity } from "./identity-files.js";
export { deriveJoinToken, parseJoinToken } from "./join-token.js";
export { writeKeyFile } from "./keys.js";
export { chainPem, checkRootCa, crossSignRoot, isCrossSigned, trustBundle } from "./rotation.js";
export { type CertIdentity, verifyCert } from "./verify.js";
export { formatUnlockKey, isWrapped, keyringId, newUnlockKey, parseUnlockKey, UNLOCK_KEY_PREFIX, unlockKeyCheck, unwrapKey, wrapKey } from "./key-wrap.js";
