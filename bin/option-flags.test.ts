import { Command } from 'commander';
import { z } from 'zod';
import { connectionOptions } from '../lib/config';
import { mqttTlsOptions } from '../lib/mqtt-security';
import { integer } from '../lib/option-types';
import { addOptionFlags, flagName, flagValues, variableValues } from './option-flags';

describe('flags generated from an options schema', () => {
  const schema = z.strictObject({
    mqttUrl: connectionOptions.mqttUrl,
    mqttCaFile: mqttTlsOptions.mqttCaFile,
    sitesPerTenant: integer(1).default(4).meta({ description: 'Sites per tenant.' }),
    progressInterval: z.string().optional(),
  });

  it('declares one --kebab-case flag per option with its default, but none for connection variables or skipped keys', () => {
    const command = addOptionFlags(new Command('x'), schema, ['progressInterval']);
    expect(command.options.map((o) => o.long)).toEqual(['--sites-per-tenant']);
    expect(command.options[0]!.description).toBe('Sites per tenant. (default 4)');
    expect(flagName('clockSkew')).toBe('--clock-skew');
  });

  it('hands back only the flags given, as text for the schema to coerce', () => {
    const command = addOptionFlags(new Command('x'), schema).exitOverride();
    command.parse(['--sites-per-tenant', '7'], { from: 'user' });
    expect(flagValues(command.opts())).toEqual({ sitesPerTenant: '7' });
  });

  it('reads the options left to variables from the environment, and nothing else', () => {
    const env = { MQTT_URL: 'mqtts://broker:8883', MQTT_CA_FILE: '/ca.crt', MQTT_USERNAME: 'not-an-option-here', SITES_PER_TENANT: '9', MQTT_KEY_FILE: '' };
    expect(variableValues(schema, env)).toEqual({ mqttUrl: 'mqtts://broker:8883', mqttCaFile: '/ca.crt' });
  });
});
