import { locationColumns, locationFromColumns, parseDeviceLocation } from './device-location';

describe('device locations', () => {
  it('read coordinates, with an optional altitude, or else a description', () => {
    expect(parseDeviceLocation('52.37,4.89')).toEqual({ latitude: 52.37, longitude: 4.89 });
    expect(parseDeviceLocation(' -33.9 , 151.2 , 58 ')).toEqual({ latitude: -33.9, longitude: 151.2, altitude: 58 });
    expect(parseDeviceLocation('roof of building 3')).toEqual({ description: 'roof of building 3' });
  });

  it('refuse coordinates out of range and an empty location', () => {
    expect(() => parseDeviceLocation('91,0')).toThrow('latitude 91 is not in [-90, 90]');
    expect(() => parseDeviceLocation('0,-181')).toThrow('longitude -181 is not in [-180, 180]');
    expect(() => parseDeviceLocation('  ')).toThrow('not empty');
  });

  it('round-trip through the table columns', () => {
    for (const location of [{ latitude: 1, longitude: 2 }, { latitude: 1, longitude: 2, altitude: 3, description: 'mast' }, { description: 'cellar' }]) {
      expect(locationFromColumns(...locationColumns(location))).toEqual(location);
    }
    expect(locationFromColumns(...locationColumns(null))).toBeNull();
  });
});
