import { connectionSettingsSchema, describeOptions, runtimeOptionsSchema, type OptionDoc } from '../lib/config';
import { registryOptionsSchema } from '../registry/options';
import { components, type ComponentEntry } from './components';

/** Every variable a component reads: its own options, the connection variables it takes, OPS_PORT and LOG_LEVEL. */
export function componentVariables(entry: ComponentEntry): OptionDoc[] {
  return [...describeOptions(entry.options, entry.envPrefix), ...describeOptions(runtimeOptionsSchema, '')];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function tableOf(docs: readonly OptionDoc[]): string[] {
  return ['| variable | default | what it sets |', '| --- | --- | --- |', ...docs.map((d) => `| \`${d.env}\` | ${d.default === undefined ? '' : `\`${cell(d.default)}\``} | ${cell(d.description)} |`)];
}

/** The README's configuration reference: connection and process variables, then each component's own. */
export function configurationMarkdown(): string {
  const shared = [...describeOptions(connectionSettingsSchema, ''), ...describeOptions(runtimeOptionsSchema, '')];
  const lines = ['### Every component', '', ...tableOf(shared)];
  for (const entry of components) {
    const own = describeOptions(entry.options, entry.envPrefix).filter((d) => d.env.startsWith(entry.envPrefix));
    lines.push('', `### ${entry.name} (\`${entry.envPrefix}*\`, ops port ${entry.opsPort})`, '', ...tableOf(own));
  }
  const registry = describeOptions(registryOptionsSchema, '').filter((d) => !connectionVariable.has(d.env));
  lines.push('', '### the registry (`fleetstream devices`, `fleetstream tokens`, `fleetstream hierarchy publish`, broker-auth-sync, the query API for its admin API and registry tokens, and the HTTP source for device credentials, with `DATABASE_URL`)', '', ...tableOf(registry));
  return lines.join('\n') + '\n';
}

const connectionVariable = new Set(describeOptions(connectionSettingsSchema, '').map((d) => d.env));

/** A component's own options as an env file, each at its default (commented out where it has none): what a ConfigMap holds. */
export function envFile(entry: ComponentEntry): string {
  const own = describeOptions(entry.options, entry.envPrefix).filter((d) => d.env.startsWith(entry.envPrefix) && !d.secret);
  return own.map((d) => `# ${d.description}\n${d.default === undefined || d.computed ? '# ' : ''}${d.env}=${d.default ?? ''}`).join('\n') + '\n';
}
