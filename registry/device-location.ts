/**
 * Where a device is: coordinates (WGS 84 degrees, altitude in metres above
 * sea level), a free-text description ("roof of building 3"), or both. The
 * CLI takes either in one flag: `--location 52.37,4.89[,12]` is coordinates,
 * any other text a description. Pure.
 */
import { FleetstreamError } from '../lib/errors';

export type DeviceLocation = { latitude: number; longitude: number; altitude?: number; description?: string } | { description: string };

const coordinates = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(-?\d+(?:\.\d+)?)\s*)?$/;

export function parseDeviceLocation(text: string): DeviceLocation {
  const match = coordinates.exec(text);
  if (!match) {
    if (text.trim() === '') throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'a location is `<latitude>,<longitude>[,<altitude>]` or a description, not empty');
    return { description: text.trim() };
  }
  const [latitude, longitude] = [Number(match[1]), Number(match[2])];
  return checkedLocation(match[3] === undefined ? { latitude, longitude } : { latitude, longitude, altitude: Number(match[3]) });
}

/** `location` itself, or REGISTRY_INPUT_INVALID when a coordinate is out of range. */
export function checkedLocation(location: DeviceLocation): DeviceLocation {
  if ('latitude' in location) {
    const { latitude, longitude, altitude } = location;
    if (!(Number.isFinite(latitude) && Math.abs(latitude) <= 90)) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `latitude ${latitude} is not in [-90, 90]`);
    if (!(Number.isFinite(longitude) && Math.abs(longitude) <= 180)) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `longitude ${longitude} is not in [-180, 180]`);
    if (altitude !== undefined && !Number.isFinite(altitude)) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `altitude ${altitude} is not a number`);
  }
  return location;
}

/** The four columns of `devices` that hold a location: latitude, longitude, altitude, location_text. */
export function locationColumns(location: DeviceLocation | null | undefined): [number | null, number | null, number | null, string | null] {
  if (!location) return [null, null, null, null];
  if (!('latitude' in location)) return [null, null, null, location.description];
  return [location.latitude, location.longitude, location.altitude ?? null, location.description ?? null];
}

export function locationFromColumns(latitude: number | null, longitude: number | null, altitude: number | null, text: string | null): DeviceLocation | null {
  if (latitude !== null && longitude !== null) {
    return { latitude, longitude, ...(altitude === null ? {} : { altitude }), ...(text === null ? {} : { description: text }) };
  }
  return text === null ? null : { description: text };
}
