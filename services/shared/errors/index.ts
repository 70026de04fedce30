export { alreadyExists, ERROR_CODES, type ErrorCode, errorMessage, failedPrecondition, invalidArgument, isRetryable, notFound, SwarmError, unavailable, WrongLastSequenceError } from "./errors.js";
