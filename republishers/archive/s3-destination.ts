/**
 * An S3-compatible bucket as an archive destination: each file a streamed
 * multipart upload (@aws-sdk/lib-storage), visible under its key only once
 * the upload completed. An upload a killed run left open holds parts, not an
 * object: a bucket lifecycle rule (AbortIncompleteMultipartUpload) frees them.
 */
import { GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { ArchiveOptions } from './options';
import { unavailable, type ArchiveDestination } from './destination';

type S3Settings = Pick<ArchiveOptions, 's3Endpoint' | 's3Region' | 's3ForcePathStyle' | 's3AccessKeyId' | 's3SecretAccessKey'>;

export class S3Destination implements ArchiveDestination {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(readonly url: string, settings: S3Settings) {
    const parsed = new URL(url);
    this.bucket = parsed.host;
    const path = parsed.pathname.replace(/^\/+|\/+$/g, '');
    this.prefix = path === '' ? '' : `${path}/`;
    const credentials = settings.s3AccessKeyId && settings.s3SecretAccessKey ? { accessKeyId: settings.s3AccessKeyId, secretAccessKey: settings.s3SecretAccessKey } : undefined;
    this.client = new S3Client({ region: settings.s3Region, endpoint: settings.s3Endpoint, forcePathStyle: settings.s3ForcePathStyle, credentials, maxAttempts: 3 });
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied' : (error as Error).message || (error as Error).name;
      throw unavailable(
        `cannot use the bucket ${this.bucket}: ${why} (check --to, --s3-endpoint, --s3-region, --s3-force-path-style and ARCHIVE_S3_ACCESS_KEY_ID / ARCHIVE_S3_SECRET_ACCESS_KEY)`,
        error,
      );
    }
  }

  async write(key: string, body: Readable): Promise<void> {
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.prefix + key, Body: body } });
    try {
      await upload.done();
    } catch (error) {
      throw unavailable(`uploading s3://${this.bucket}/${this.prefix}${key} failed: ${(error as Error).message}`, error);
    }
  }

  async read(key: string): Promise<string | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return await answer.Body!.transformToString();
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw unavailable(`reading s3://${this.bucket}/${this.prefix}${key} failed: ${(error as Error).message}`, error);
    }
  }

  async removePartials(): Promise<void> {}

  close(): void {
    this.client.destroy();
  }
}
