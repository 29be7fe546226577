import { FleetstreamError } from '../../lib/errors';

/**
 * A failed Redis command of a publish as REDIS_UNAVAILABLE (retrying the whole
 * publish can help: it starts over with a new generation), naming the step.
 */
export function redisError(error: unknown, doing: string): FleetstreamError {
  if (error instanceof FleetstreamError) return error;
  return new FleetstreamError('REDIS_UNAVAILABLE', `${doing} failed: ${(error as Error).message} (check REDIS_URL)`, { cause: error });
}

/** `call`'s result, or its failure as redisError. */
export async function inRedis<T>(doing: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw redisError(error, doing);
  }
}
