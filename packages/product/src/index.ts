export { type ErrorCode, errorCodes, isErrorCode } from './error-codes.ts';
export * from './limits.ts';
export type { Session, User } from './session.ts';
