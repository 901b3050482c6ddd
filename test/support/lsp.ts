import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * A minimal LSP client over stdio for the real yaml-language-server (what VS Code's YAML extension
 * runs): enough to open documents and collect the diagnostics the server publishes for them.
 */
export interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
  source?: string;
}

interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

const SERVER = createRequire(import.meta.url).resolve('yaml-language-server/bin/yaml-language-server');

export class YamlLanguageServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly diagnostics = new Map<string, LspDiagnostic[]>();
  private readonly waiting = new Map<string, (diagnostics: LspDiagnostic[]) => void>();
  /** Everything the server wrote to its log, to explain a failure. */
  readonly log: string[] = [];
  /** Settings by section (`yaml`, …), answered when the server pulls its configuration. */
  private settings: Record<string, unknown> = {};

  constructor() {
    this.child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
  }

  /** Starts the session; `settings` is what VS Code would send as the `yaml` section. */
  async start(rootDir: string, settings: Record<string, unknown> = {}): Promise<void> {
    await this.request('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).href,
      workspaceFolders: [{ uri: pathToFileURL(rootDir).href, name: 'root' }],
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: {} } },
    });
    this.settings = { yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false }, ...settings } };
    this.notify('initialized', {});
    // The server answers this by pulling `workspace/configuration`, as it does from VS Code.
    this.notify('workspace/didChangeConfiguration', { settings: this.settings });
  }

  /** Opens a document and waits for the server's diagnostics of it. */
  async diagnose(file: string, text: string): Promise<LspDiagnostic[]> {
    const uri = pathToFileURL(file).href;
    const published = new Promise<LspDiagnostic[]>((resolve) => this.waiting.set(uri, resolve));
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return published;
  }

  async stop(): Promise<void> {
    await this.request('shutdown', null).catch(() => undefined);
    this.notify('exit', null);
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      setTimeout(() => this.child.kill(), 2000).unref();
    });
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  private send(message: object): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.handle(message);
    }
  }

  private handle(message: Message): void {
    if (message.method === undefined && message.id !== undefined) {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result);
      return;
    }
    if (message.id !== undefined) {
      // A request from the server: its configuration, by section (null for sections we do not set,
      // as VS Code answers); anything else (capability registration) needs no more than an answer.
      const items = message.method === 'workspace/configuration' ? (message.params as { items: { section?: string }[] }).items : undefined;
      this.send({ jsonrpc: '2.0', id: message.id, result: items ? items.map((item) => this.settings[item.section ?? ''] ?? null) : null });
      return;
    }
    if (message.method === 'window/logMessage') this.log.push(String((message.params as { message: string }).message));
    if (message.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: LspDiagnostic[] };
      this.diagnostics.set(uri, diagnostics);
      const resolve = this.waiting.get(uri);
      this.waiting.delete(uri);
      resolve?.(diagnostics);
    }
  }
}
