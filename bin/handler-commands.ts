/**
 * `fleetstream handlers executions|execution`: what the handler workers did
 * with each request of automations and notifications (state, attempts, the
 * last error), read from PostgreSQL. DATABASE_URL and
 * REGISTRY_DATABASE_SCHEMA from the environment.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Pool } from 'pg';
import { FleetstreamError } from '../lib/errors';
import { parseExecutionOrigin, type ExecutionDetail, type ExecutionRow } from '../stream-processors/handlers/execution-history';
import { handlerOriginKinds, handlerStates, type HandlerOriginKind, type HandlerState } from '../schemas/types';
import { textTable } from './text-table';
import { withRegistryPool } from './with-registry-pool';

const withRegistry = <T>(work: (pool: Pool, schema: string) => Promise<T>) => withRegistryPool('fleetstream-handlers-cli', work);

const history = () => import('../stream-processors/handlers/execution-history');

function origin(value: string): { kind: HandlerOriginKind; id: string } {
  const parsed = parseExecutionOrigin(value);
  if (!parsed) throw new InvalidArgumentError(`write it as ${handlerOriginKinds.map((k) => `${k}/<id>`).join(', ')}`);
  return parsed;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
}

function state(value: string): HandlerState {
  const upper = value.toUpperCase();
  if (!(handlerStates as readonly string[]).includes(upper)) throw new InvalidArgumentError(`one of ${handlerStates.join(', ')}`);
  return upper as HandlerState;
}

async function executions(options: { tenant?: string; origin?: { kind: HandlerOriginKind; id: string }; state?: HandlerState; limit: number }): Promise<void> {
  const { executionStatements, isoTime } = await history();
  const rows = await withRegistry(async (pool, schema) => {
    const statements = executionStatements(schema, isoTime);
    const values = statements.listValues({ tenant: options.tenant, originKind: options.origin?.kind, originId: options.origin?.id, state: options.state, limit: options.limit });
    return (await pool.query<ExecutionRow<string>>(statements.list, values)).rows;
  });
  process.stdout.write(
    textTable(
      ['REQUESTED AT', 'EXECUTION ID', 'TENANT', 'HANDLER', 'ORIGIN', 'STATE', 'ATTEMPTS', 'DETAIL'],
      rows.map((r) => [r.requestedAt, r.executionId, r.tenant, r.handler, `${r.originKind}/${r.originId}`, r.state, String(r.attempts), r.detail ?? '']),
    ),
  );
}

async function execution(id: string): Promise<void> {
  const { executionNotFound, executionStatements, isoTime, redactCredentials } = await history();
  const row = await withRegistry(async (pool, schema) => (await pool.query<ExecutionDetail<string>>(executionStatements(schema, isoTime).find, [id])).rows[0]);
  if (!row) throw new FleetstreamError('EXECUTION_NOT_FOUND', `${executionNotFound(id)}; \`fleetstream handlers executions\` lists them`);
  console.log(JSON.stringify({ ...row, target: redactCredentials(row.target) }, null, 2));
}

/** Adds `executions` and `execution` to the `handlers` command (which, without a subcommand, runs the workers). */
export function addHandlerCommands(handlers: Command): void {
  handlers
    .command('executions')
    .option('--tenant <tenant>', "one tenant's")
    .option('--origin <kind/id>', 'of one origin: automation/<id>, notification/<id> or api/<id>', origin)
    .option('--state <state>', handlerStates.join(', '), state)
    .option('--limit <n>', 'how many, newest first', positive, 100)
    .description('the executions of handler requests, newest first: state, attempts and the last error (DATABASE_URL, REGISTRY_DATABASE_SCHEMA)')
    .action(executions);
  handlers.command('execution').argument('<execution-id>').description("one execution, as JSON, its target's credentials redacted").action(execution);
}
