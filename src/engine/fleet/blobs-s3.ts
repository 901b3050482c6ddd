import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { SharedBlobs } from './blobs.js';
import { causeText, errorCode, ServiceError } from './service-error.js';
import type { ServiceSetting } from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Blobs in an S3 bucket (AWS S3, R2, MinIO …): `s3://bucket/prefix` → `prefix/cas/<sha256>`. Credentials
 * and region come from the environment as for every AWS tool; `AWS_ENDPOINT_URL_S3` (or
 * `AWS_ENDPOINT_URL`) points at an S3-compatible server, addressed by path.
 */
export class S3Blobs implements SharedBlobs {
  readonly name: string;
  private readonly bucket: string;
  private readonly prefix: string;

  private constructor(
    private readonly client: S3Client,
    url: URL,
  ) {
    this.bucket = url.hostname;
    const path = url.pathname.replace(/^\/+|\/+$/g, '');
    this.prefix = path ? `${path}/` : '';
    this.name = `s3://${this.bucket}${path ? `/${path}` : ''}`;
  }

  /** Connects and checks that the bucket answers to these credentials; a clear {@link ServiceError} otherwise. */
  static async open(setting: ServiceSetting, env: Env = process.env): Promise<S3Blobs> {
    // The SDK warns on every start under Node 20 that its releases after January 2027 will need Node 22;
    // package.json pins a release that runs on 20 (docs/decisions.md), so the warning only adds noise.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
    const client = new S3Client({
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      // Checksums only where S3 requires them: several S3-compatible servers reject the CRC32 headers
      // the SDK sends by default. Our own digest checks every blob read anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    const blobs = new S3Blobs(client, setting.url);
    try {
      await client.send(new HeadBucketCommand({ Bucket: blobs.bucket }), { abortSignal: AbortSignal.timeout(10_000) });
    } catch (error) {
      client.destroy();
      throw explain(setting, blobs.bucket, endpoint, error);
    }
    return blobs;
  }

  private key(digest: string): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
    return `${this.prefix}cas/${digest}`;
  }

  async has(digest: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(digest) }));
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }

  async put(digest: string, file: string, bytes: number): Promise<void> {
    // One PUT: S3 stores it whole or not at all, so no reader sees half a blob.
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(digest), Body: createReadStream(file), ContentLength: bytes, ContentType: 'application/octet-stream' }));
  }

  async open(digest: string): Promise<Readable | undefined> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(digest) }));
      return got.Body as Readable;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function explain(setting: ServiceSetting, bucket: string, endpoint: string | undefined, error: unknown): ServiceError {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const at = endpoint ? `the S3 server at ${endpoint}` : 'S3';
  if (status === 404 || notFound(error)) return new ServiceError(setting, `${at} has no bucket "${bucket}"`, 'create it, or name an existing bucket in the URL', { cause: error });
  if (status === 403 || status === 401 || (error instanceof S3ServiceException && /credential|signature|accessdenied/i.test(error.name)))
    return new ServiceError(setting, `${at} refused the credentials for bucket "${bucket}" (${causeText(error)})`, 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment', { cause: error });
  if (/credential/i.test(causeText(error))) return new ServiceError(setting, `no S3 credentials (${causeText(error)})`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment', { cause: error });
  const code = errorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || (error as Error)?.name === 'TimeoutError')
    return new ServiceError(setting, `${at} does not answer (${causeText(error)})`, `start it or fix ${endpoint ? 'AWS_ENDPOINT_URL_S3' : 'the URL'}`, { cause: error });
  return new ServiceError(setting, `S3 failed: ${causeText(error)}`, 'check the bucket, the endpoint and the credentials', { cause: error });
}
