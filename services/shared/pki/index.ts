export { caDigest, type CertAndKey, checkCsr, createKeyAndCsr, createRootCa, firstCert, issueCert, type NodeRole, ROLE_OU, signNodeCsr, splitCerts } from "./ca.js";
export { deriveJoinToken, parseJoinToken } from "./join-token.js";
export { writeKeyFile } from "./keys.js";
export { chainPem, checkRootCa, crossSignRoot, isCrossSigned, trustBundle } from "./rotation.js";
export { type CertIdentity, verifyCert } from "./verify.js";
