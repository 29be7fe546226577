/**
 * What a shadow may hold, and why a request is refused. The limits are
 * options of the processor (defaults as AWS IoT's classic shadow: 8 KiB of
 * state, 6 levels); the rejection names follow AWS's error messages as stable
 * codes, and the numeric codes its HTTP-like ones. Pure.
 */

export interface ShadowLimits {
  /** The state (desired and reported together, as compact JSON) in bytes. */
  maxStateBytes: number;
  /** Levels of nesting within desired or within reported (an object or array is a level). */
  maxDepth: number;
  /** Keys in desired and reported together, at every level. */
  maxKeys: number;
  /** A request's payload in bytes. */
  maxRequestBytes: number;
}

export const defaultShadowLimits: ShadowLimits = { maxStateBytes: 8192, maxDepth: 6, maxKeys: 500, maxRequestBytes: 16_384 };

/** Key names are 1 to this many characters. */
export const maxKeyLength = 128;
/** A clientToken is at most this many characters (as AWS's 64 bytes). */
export const maxClientTokenLength = 64;

export const shadowErrors = {
  InvalidJson: 400,
  InvalidRequest: 400,
  StateTooDeep: 400,
  NotFound: 404,
  VersionConflict: 409,
  PayloadTooLarge: 413,
  StateTooLarge: 413,
  TooManyKeys: 413,
} as const;

export type ShadowErrorName = keyof typeof shadowErrors;

/** Why a request was refused: the numeric code (as the device and the API get it), a stable name, words for people. */
export interface ShadowRejection {
  code: (typeof shadowErrors)[ShadowErrorName];
  error: ShadowErrorName;
  message: string;
}

export function rejection(error: ShadowErrorName, message: string): ShadowRejection {
  return { code: shadowErrors[error], error, message };
}
