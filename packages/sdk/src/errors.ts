export { AgoraError, errorCodes, type AgoraErrorCode, type AgoraErrorOptions } from '@agora/errors';
