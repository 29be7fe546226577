/**
 * Read-only reader accounts of a tenant's republished subtree on the broker
 * (`fleet-out/<tenant>/#`, schemas/republish-topics.ts), for local HMIs and
 * edge consumers of the MQTT republisher. The registry keeps the broker hash
 * of the password only; broker-auth-sync puts every active reader in the
 * broker's auth file and its two rules (subscribe, read) in the rules file.
 * A reader publishes nothing.
 */
import { randomBytes } from 'node:crypto';
import { FleetstreamError } from '../lib/errors';
import { mqttRepublishTableNames } from '../schemas/tables';
import { tenantRepublishFilter } from '../schemas/republish-topics';
import { brokerPasswordHash } from './broker-password-hash';
import { checkedName } from './device-address';
import { registryQuery, type Registry } from './registry-connection';
import { writeRegistry } from './registry-write';

export interface RepublishReaderRecord {
  username: string;
  tenant: string;
  /** What the reader may subscribe to. */
  topicFilter: string;
  description: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** What the broker needs of an active reader. */
export interface RepublishReaderCredential {
  username: string;
  tenant: string;
  brokerPasswordHash: string;
}

interface ReaderRow extends Record<string, unknown> {
  username: string;
  tenant: string;
  description: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const columns = 'username, tenant, description, created_at, revoked_at';

function recordOf(row: ReaderRow): RepublishReaderRecord {
  return { username: row.username, tenant: row.tenant, topicFilter: tenantRepublishFilter(row.tenant), description: row.description, createdAt: row.created_at, revokedAt: row.revoked_at };
}

/** Creates a reader of `tenant`'s republished topics (and the tenant when missing); its password is in the answer and nowhere else. */
export async function createRepublishReader(registry: Registry, input: { tenant: string; description?: string }): Promise<{ username: string; password: string; record: RepublishReaderRecord }> {
  const tenant = checkedName('tenant', input.tenant);
  // no '/': a username with two would be a device's (broker/access-rules.ts)
  const username = `republish-reader.${tenant}.${randomBytes(6).toString('hex')}`;
  const password = randomBytes(24).toString('base64url');
  const table = mqttRepublishTableNames(registry.schema).readers;
  return writeRegistry(registry, `creating a republish reader for ${tenant}`, async (write) => {
    const added = await write.client.query(`insert into ${registry.tables.tenants} (name, revision) values ($1, $2) on conflict do nothing returning name`, [tenant, write.revision]);
    if (added.rows.length > 0) write.notify({ type: 'tenant', change: 'added', tenant });
    const { rows } = await write.client.query<ReaderRow>(
      `insert into ${table} (username, tenant, broker_password_hash, description) values ($1, $2, $3, $4) returning ${columns}`,
      [username, tenant, brokerPasswordHash(password), input.description ?? null],
    );
    write.notify({ type: 'republish_reader', change: 'added', username, tenant });
    return { username, password, record: recordOf(rows[0]!) };
  });
}

/** Every reader (revoked ones too), or those of one tenant; never a password. */
export async function listRepublishReaders(registry: Registry, filter: { tenant?: string } = {}): Promise<RepublishReaderRecord[]> {
  const table = mqttRepublishTableNames(registry.schema).readers;
  const where = filter.tenant === undefined ? '' : 'where tenant = $1';
  const rows = await registryQuery<ReaderRow>(registry, 'listing republish readers', `select ${columns} from ${table} ${where} order by tenant, created_at, username`, filter.tenant === undefined ? [] : [filter.tenant]);
  return rows.map(recordOf);
}

/** Revokes a reader at once (the broker disconnects it at its next load); REPUBLISH_READER_NOT_FOUND for an unknown username. */
export async function revokeRepublishReader(registry: Registry, username: string): Promise<RepublishReaderRecord> {
  const table = mqttRepublishTableNames(registry.schema).readers;
  return writeRegistry(registry, `revoking republish reader ${username}`, async (write) => {
    const { rows } = await write.client.query<ReaderRow>(`update ${table} set revoked_at = coalesce(revoked_at, now()) where username = $1 returning ${columns}`, [username]);
    if (rows.length === 0) throw new FleetstreamError('REPUBLISH_READER_NOT_FOUND', `republish reader ${username} is not in the registry (\`fleetstream republish-readers list\` shows them)`);
    write.notify({ type: 'republish_reader', change: 'revoked', username, tenant: rows[0]!.tenant });
    return recordOf(rows[0]!);
  });
}

/** Every active reader's broker credential, by username. */
export async function listRepublishReaderCredentials(registry: Registry): Promise<RepublishReaderCredential[]> {
  const table = mqttRepublishTableNames(registry.schema).readers;
  const rows = await registryQuery<{ username: string; tenant: string; broker_password_hash: string }>(
    registry,
    'listing the republish readers\' broker credentials',
    `select username, tenant, broker_password_hash from ${table} where revoked_at is null order by username`,
  );
  return rows.map((row) => ({ username: row.username, tenant: row.tenant, brokerPasswordHash: row.broker_password_hash }));
}
