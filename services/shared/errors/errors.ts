
/**
 * Every failure kind, classified once: HTTP status for the api, and whether a retry may help.
 * Thrown values are always one of these (never strings).
 */
export const ERROR_CODES = {
  invalid_argument: { http: 400, retryable: false },
  /** No credential, or one that is not valid (api: 401). */
  unauthenticated: { http: 401, retryable: false },
  /** A valid identity asking for what it may not have (a node asking for another node's secret). */
  permission_denied: { http: 403, retryable: false },
  not_found: { http: 404, retryable: false },
  already_exists: { http: 409, retryable: false },
  failed_precondition: { http: 412, retryable: false },
  conflict: { http: 409, retryable: true },
  unavailable: { http: 503, retryable: true },
  internal: { http: 500, retryable: false },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class SwarmError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SwarmError";
  }
  get http(): number { return ERROR_CODES[this.code].http; }
  get retryable(): boolean { return ERROR_CODES[this.code].retryable; }
}

/** An append's expected last subject sequence did not hold: someone else wrote first. */
export class WrongLastSequenceError extends SwarmError {
  constructor(readonly subject: string, readonly expected: number, options?: ErrorOptions) {
    super("conflict", `wrong last sequence on ${subject} (expected ${expected})`, options);
    this.name = "WrongLastSequenceError";
  }
}

export function invalidArgument(message: string): SwarmError { return new SwarmError("invalid_argument", message); }
export function unauthenticated(message: string): SwarmError { return new SwarmError("unauthenticated", message); }
export function permissionDenied(message: string): SwarmError { return new SwarmError("permission_denied", message); }
export function notFound(message: string): SwarmError { return new SwarmError("not_found", message); }
export function alreadyExists(message: string): SwarmError { return new SwarmError("already_exists", message); }
export function failedPrecondition(message: string): SwarmError { return new SwarmError("failed_precondition", message); }
export function unavailable(message: string, cause?: unknown): SwarmError {
  return new SwarmError("unavailable", message, { cause });
}

export function isRetryable(err: unknown): boolean {
  return err instanceof SwarmError ? err.retryable : true;
}
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
