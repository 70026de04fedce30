export { call, RPC_TIMEOUT_MS, RpcNoRespondersError, RpcTimeoutError, serve, type Handler, type ServeOptions } from "./rpc.js";
