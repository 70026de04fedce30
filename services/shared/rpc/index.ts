export { call, requestFailure, RPC_TIMEOUT_MS, RpcNoRespondersError, RpcTimeoutError, serve, type Handler, type ServeOptions } from "./rpc.js";
export { callBytes, serveBytes, type Bytes, type BytesHandler } from "./bytes.js";
