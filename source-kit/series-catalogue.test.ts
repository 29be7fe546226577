import { seriesCatalogue } from './series-catalogue';

describe('seriesCatalogue', () => {
  const catalogue = seriesCatalogue([
    { path: '/acme/*/*/energy_kwh', kind: 'energy', unit: 'kWh' },
    { metric: 'energy_kwh', kind: 'additive' },
    { metric: 'temperature', kind: 'non_additive', unit: 'degC' },
  ]);

  it('finds the first matching rule, path patterns matching one segment per *', () => {
    expect(catalogue.lookup('/acme/p1/m7/energy_kwh', 'energy_kwh')).toEqual({ kind: 'energy', unit: 'kWh' });
    expect(catalogue.lookup('/globex/p1/m7/energy_kwh', 'energy_kwh')).toEqual({ kind: 'additive', unit: undefined });
    expect(catalogue.lookup('/acme/p1/m7/temperature', 'temperature')).toEqual({ kind: 'non_additive', unit: 'degC' });
  });

  it('does not let * cross a segment', () => {
    expect(catalogue.lookup('/acme/p1/x/m7/energy_kwh', 'energy_kwh')).toEqual({ kind: 'additive', unit: undefined });
  });

  it('knows nothing of an unlisted series', () => {
    expect(catalogue.lookup('/acme/p1/m7/humidity', 'humidity')).toBeUndefined();
  });
});
