import { FleetstreamError } from '../lib/errors';
import { checkedName, deviceName, parseDeviceAddress } from './device-address';
import { parseRegistryScope } from './registry-scope';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as FleetstreamError).code;
  }
}

describe('registry names', () => {
  it('take a device as <tenant>/<site>/<device>, which is also its username', () => {
    const address = parseDeviceAddress('acme/plant-1/meter_7.a');
    expect(address).toEqual({ tenant: 'acme', site: 'plant-1', device: 'meter_7.a' });
    expect(deviceName(address)).toBe('acme/plant-1/meter_7.a');
  });

  it.each(['acme/plant1', 'acme/plant1/m/x', 'acme//m', 'acme/plant1/m+', 'acme/plant1/#', 'acme/plant 1/m', 'acme/plant1/m\u0000', 'acme/plant1/m\t', ''])(
    'refuse %j as a device with NAME_INVALID',
    (text) => {
      expect(codeOf(() => parseDeviceAddress(text))).toBe('NAME_INVALID');
    },
  );

  it('name the part that is wrong', () => {
    expect(() => parseDeviceAddress('acme/pl+ant/m')).toThrow('site "pl+ant" is not a valid path segment');
    expect(() => checkedName('tenant', 'a/b')).toThrow('tenant "a/b" is not a valid path segment');
  });

  it('take a listing scope as <tenant> or <tenant>/<site>', () => {
    expect(parseRegistryScope('acme')).toEqual({ tenant: 'acme' });
    expect(parseRegistryScope('acme/plant1')).toEqual({ tenant: 'acme', site: 'plant1' });
    expect(codeOf(() => parseRegistryScope('acme/plant1/m'))).toBe('NAME_INVALID');
    expect(codeOf(() => parseRegistryScope('ac#me'))).toBe('NAME_INVALID');
  });
});
