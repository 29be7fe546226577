import { z } from 'zod';
import { parseOptions } from '../../lib/config';
import { duration } from '../../lib/option-types';
import { registryOptions } from '../../registry/options';

/**
 * Options of the broker's auth file sync: `BROKER_AUTH_SYNC_<OPTION>` in the
 * environment, plus the registry's variables.
 */
export const brokerAuthSyncOptionsSchema = z.strictObject({
  ...registryOptions,
  authFile: z.string().min(1).meta({ description: "The broker plugin's auth file (its plugin_opt_auth_file), replaced whole at every change. Required." }),
  serviceAccountsFile: z.string().min(1).meta({
    description: "The platform's accounts as `<username>:<$7$ hash>` lines (mosquitto_passwd's format; the local stack's MQTT_SERVICE_ACCOUNTS_FILE), written into the auth file before the devices. Required.",
  }),
  rulesFile: z.string().min(1).optional().meta({
    description: "The broker plugin's rules file (its plugin_opt_rules_file), replaced whole when it should change: BROKER_AUTH_SYNC_SERVICE_RULES_FILE's rules, then each MQTT republish reader's (subscribe and read on `fleet-out/<tenant>/#`). Unset: the rules file is left alone, and readers have no rights.",
  }),
  serviceRulesFile: z.string().min(1).optional().meta({ description: "The service accounts' rules (infra/local/broker-access.rules, infra/k8s/broker/access.rules), copied at the top of BROKER_AUTH_SYNC_RULES_FILE; required with it." }),
  settle: duration({ max: 60_000 }).prefault('500ms').meta({ description: 'A change waits this long for others, so a burst of registry changes makes one rewrite.' }),
  resyncInterval: duration({ min: 1000 }).prefault('5m').meta({ description: 'The file is rebuilt this often even without a notification: notifications sent while the listener was down are lost, and a file something else replaced is put right.' }),
});

export type BrokerAuthSyncOptions = z.output<typeof brokerAuthSyncOptionsSchema>;

export function parseBrokerAuthSyncOptions(input: unknown): BrokerAuthSyncOptions {
  return parseOptions(brokerAuthSyncOptionsSchema, input, 'broker-auth-sync options');
}
