export { AckedPublisher, PublishError } from "./acked-publisher.js";
export { natsTlsEnv, natsTlsFromEnv, type NatsTls } from "./tls.js";
export { decodeNkey, encodeNkey, newAccountSigner, type NkeySigner, signerFromPem, signJwt, verifyJwt } from "./nats-jwt.js";
export { connectNats, ensureStreams, FOLLOW_PULL, hasLeader, type NatsConnection, whileJetStreamStarts } from "./nats.js";
export { ensureBucket } from "./kv.js";
export { classifyPublishError, type PublishFailure } from "./publish-errors.js";
