export { alreadyExists, errorMessage, failedPrecondition, invalidArgument, isRetryable, notFound, SwarmError, unavailable, WrongLastSequenceError } from "./errors.js";
