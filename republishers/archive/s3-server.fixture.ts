/**
 * A real S3-compatible server for the archive's tests: s3rver, an HTTP
 * server speaking the S3 REST API (signature V4, multipart uploads) over a
 * directory, started in the test's process on a free port and closed after
 * the file's tests. No Debian package of MinIO, Garage, SeaweedFS or
 * versitygw is available to the stack, and s3rver needs no process of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, uniqueName } from '../../test/factories';

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { address: string; port: number; silent: boolean; directory: string; configureBuckets: { name: string }[] }) => S3rverServer;

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
}

export async function startS3Server(): Promise<TestS3> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no types
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'archive-s3-'));
  const bucket = uniqueName('archive').toLowerCase();
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  onCleanup(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  return { endpoint: `http://127.0.0.1:${address.port}`, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
}
