// A fake of the WhatsApp Cloud API (Meta's Graph API) for tests: a real HTTP server on 127.0.0.1 that
// answers like graph.facebook.com/v21.0 for the calls the channel makes:
//   GET  /<phone-number-id>?fields=display_phone_number,verified_name
//   POST /<phone-number-id>/messages
// with `Authorization: Bearer <token>`, Graph's error bodies `{error: {message, type, code, ...}}`
// and the message limits Meta enforces (text 4,096; interactive body 1,024; 1-3 reply buttons with
// titles of 20; lists of up to 10 rows with titles of 24). Tests read what was sent and inject faults.
// Also here: builders of webhook bodies as Meta sends them, and `signedWebhook` to sign them.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type Json = Record<string, unknown>;

export interface FakeGraphOptions {
  token?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  verifiedName?: string;
}

export interface SentWhatsApp {
  /** The wamid the fake gave the message. */
  id: string;
  to: string;
  type: string;
  /** text.body, or the interactive body text. */
  text: string;
  /** context.message_id: the message this one quotes. */
  contextId?: string;
  interactive?: Json;
  raw: Json;
}

export interface GraphCall {
  method: string;
  /** Path without the query string. */
  path: string;
  /** HTTP status answered; 0 when the connection was dropped. */
  status: number;
  at: number;
  body?: unknown;
}

export type Endpoint = 'messages' | 'phone';

export interface FaultOptions {
  times?: number;
  /** Extra answer headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Which call the fault hits; default the messages endpoint. */
  endpoint?: Endpoint;
  /** Calls of that endpoint served normally before the fault hits (the second part of a split message: 1). */
  after?: number;
}

export interface FakeGraph {
  /** e.g. http://127.0.0.1:PORT; use as apiRoot. */
  readonly url: string;
  readonly token: string;
  readonly phoneNumberId: string;
  /** Messages accepted by POST /messages, in order, optionally to one wa_id. */
  sent(to?: string): SentWhatsApp[];
  /** Every request received, in order, optionally of one endpoint. */
  calls(endpoint?: Endpoint): GraphCall[];
  /** The next `times` calls answer with this status and body (a Graph error body, usually). */
  failNext(status: number, errorBody: unknown, options?: FaultOptions): void;
  /** The next calls of the messages endpoint are throttled like Meta does (130429 by default, HTTP 429 for 4/80007/130429). */
  rateLimitNext(options?: { code?: number; retryAfterSeconds?: number; times?: number; after?: number }): void;
  /** The next `times` calls get their connection destroyed without an answer. */
  dropNext(times?: number, endpoint?: Endpoint): void;
  /** Polls every 20 ms until predicate(sent()) gives a value or timeoutMs passes. */
  waitFor<T>(predicate: (sent: SentWhatsApp[]) => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export const FAKE_TOKEN = 'EAAG-fake-cloud-token-0123456789';
export const FAKE_PHONE_NUMBER_ID = '109876543210987';

/** Graph's error body. */
export function graphErrorBody(code: number, message: string, extra: Json = {}): Json {
  return { error: { message, type: 'OAuthException', code, fbtrace_id: 'AbCdEfGhIjK', ...extra } };
}

/** The body of a webhook carrying messages and/or statuses, as Meta POSTs it. */
export function webhookBody(
  value: { messages?: Json[]; contacts?: Array<{ wa_id: string; name: string }>; statuses?: Json[] },
  phoneNumberId = FAKE_PHONE_NUMBER_ID,
): Json {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '6281200000000', phone_number_id: phoneNumberId },
              ...(value.contacts ? { contacts: value.contacts.map((contact) => ({ profile: { name: contact.name }, wa_id: contact.wa_id })) } : {}),
              ...(value.messages ? { messages: value.messages } : {}),
              ...(value.statuses ? { statuses: value.statuses } : {}),
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

let inboundCounter = 0;

/** One inbound message of `type` (its payload under the key of the type); id and timestamp filled in. */
export function inboundMessage(from: string, type: string, payload: Json, extra: { id?: string; timestamp?: number; contextId?: string } = {}): Json {
  inboundCounter += 1;
  return {
    from,
    id: extra.id ?? `wamid.IN${String(inboundCounter).padStart(6, '0')}`,
    timestamp: String(extra.timestamp ?? Math.floor(Date.now() / 1000)),
    type,
    [type]: payload,
    ...(extra.contextId ? { context: { from: '6281200000000', id: extra.contextId } } : {}),
  };
}

/** A text message from a resident, with their profile name, as a whole webhook body. */
export function textWebhook(from: string, name: string, text: string, extra: { id?: string; timestamp?: number; contextId?: string } = {}): Json {
  return webhookBody({ contacts: [{ wa_id: from, name }], messages: [inboundMessage(from, 'text', { body: text }, extra)] });
}

/** A delivery status of one of our messages, as a whole webhook body. */
export function statusWebhook(messageId: string, recipientId: string, status: string, errors: Json[] = [], timestamp = Math.floor(Date.now() / 1000)): Json {
  return webhookBody({
    statuses: [{ id: messageId, recipient_id: recipientId, status, timestamp: String(timestamp), ...(errors.length > 0 ? { errors } : {}) }],
  });
}

/** The exact body bytes to POST and the X-Hub-Signature-256 header Meta would send with them. */
export function signedWebhook(body: unknown, appSecret: string): { body: string; signature: string } {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { body: text, signature: `sha256=${createHmac('sha256', appSecret).update(text).digest('hex')}` };
}

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const fake = new FakeGraphServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------------------

class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const invalidParameter = (message: string) => new GraphFailure(400, graphErrorBody(131009, `(#131009) Parameter value is not valid`, { error_data: { messaging_product: 'whatsapp', details: message } }));
const badParam = (message: string) => new GraphFailure(400, graphErrorBody(100, `(#100) ${message}`));

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Fault {
  endpoint: Endpoint;
  times: number;
  kind: 'fail' | 'drop';
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  after: number;
}

class FakeGraphServer implements FakeGraph {
  readonly token: string;
  readonly phoneNumberId: string;
  private readonly displayPhoneNumber: string;
  private readonly verifiedName: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly sentMessages: SentWhatsApp[] = [];
  private readonly callLog: GraphCall[] = [];
  private readonly faults: Fault[] = [];
  private nextId = 1;
  url = '';

  constructor(options: FakeGraphOptions) {
    this.token = options.token ?? FAKE_TOKEN;
    this.phoneNumberId = options.phoneNumberId ?? FAKE_PHONE_NUMBER_ID;
    this.displayPhoneNumber = options.displayPhoneNumber ?? '+62 812-0000-0000';
    this.verifiedName = options.verifiedName ?? 'Desa Sukamaju';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) writeJson(res, 500, graphErrorBody(2, `fake failed: ${String(error)}`));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const { port } = this.server.address() as AddressInfo;
        this.url = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  }

  sent(to?: string): SentWhatsApp[] {
    return this.sentMessages.filter((message) => to === undefined || message.to === to);
  }

  calls(endpoint?: Endpoint): GraphCall[] {
    return this.callLog.filter((call) => endpoint === undefined || endpointOf(call.method, call.path) === endpoint);
  }

  failNext(status: number, errorBody: unknown, options: FaultOptions = {}): void {
    this.faults.push({
      endpoint: options.endpoint ?? 'messages',
      times: options.times ?? 1,
      kind: 'fail',
      status,
      body: errorBody,
      after: options.after ?? 0,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  }

  rateLimitNext(options: { code?: number; retryAfterSeconds?: number; times?: number; after?: number } = {}): void {
    const code = options.code ?? 130429;
    const messages: Record<number, string> = {
      4: '(#4) Application request limit reached',
      80007: '(#80007) Rate limit issues',
      130429: '(#130429) Rate limit hit',
      131056: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    };
    // Meta answers throughput limits with 429 and the pair limit with 400.
    const status = code === 131056 ? 400 : 429;
    this.failNext(status, graphErrorBody(code, messages[code] ?? `(#${code}) Rate limit`), {
      times: options.times ?? 1,
      after: options.after ?? 0,
      ...(options.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(options.retryAfterSeconds) } } : {}),
    });
  }

  dropNext(times = 1, endpoint: Endpoint = 'messages'): void {
    this.faults.push({ endpoint, times, kind: 'drop', after: 0 });
  }

  async waitFor<T>(predicate: (sent: SentWhatsApp[]) => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate(this.sentMessages);
      if (value !== undefined && value !== false && value !== null) return value;
      if (Date.now() > deadline) throw new Error(`fake Graph API: condition not met within ${timeoutMs} ms; sent: ${JSON.stringify(this.sentMessages.map((m) => m.text.slice(0, 80)))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------------------

  private takeFault(endpoint: Endpoint): Fault | undefined {
    const fault = this.faults.find((candidate) => candidate.endpoint === endpoint && candidate.times > 0);
    if (!fault) return undefined;
    if (fault.after > 0) {
      fault.after -= 1;
      return undefined;
    }
    fault.times -= 1;
    if (fault.times === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const raw = await readAll(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
    }
    const call: GraphCall = { method, path: url.pathname, status: 0, at: Date.now(), ...(body !== undefined ? { body } : {}) };
    this.callLog.push(call);
    const endpoint = endpointOf(method, url.pathname);
    const fault = endpoint ? this.takeFault(endpoint) : undefined;
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    try {
      this.authorize(req);
      if (fault) throw new GraphFailure(fault.status ?? 500, fault.body, fault.headers);
      const answer = this.route(method, url, body);
      call.status = 200;
      writeJson(res, 200, answer);
    } catch (error) {
      if (!(error instanceof GraphFailure)) throw error;
      call.status = error.status;
      writeJson(res, error.status, error.body, error.headers);
    }
  }

  private authorize(req: IncomingMessage): void {
    const header = req.headers.authorization;
    if (header === undefined) throw new GraphFailure(400, graphErrorBody(2500, 'An active access token must be used to query information about the current user.'));
    if (header !== `Bearer ${this.token}`) throw new GraphFailure(401, graphErrorBody(190, 'Invalid OAuth access token - Cannot parse access token'));
  }

  private route(method: string, url: URL, body: unknown): Json {
    const [, phoneId, edge, ...more] = url.pathname.split('/');
    if (phoneId !== this.phoneNumberId || more.length > 0) {
      throw new GraphFailure(400, {
        error: {
          message: `Unsupported ${method.toLowerCase()} request. Object with ID '${phoneId ?? ''}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
          fbtrace_id: 'AbCdEfGhIjK',
        },
      });
    }
    if (method === 'GET' && edge === undefined) {
      const fields = (url.searchParams.get('fields') ?? '').split(',');
      return {
        ...(fields.includes('display_phone_number') ? { display_phone_number: this.displayPhoneNumber } : {}),
        ...(fields.includes('verified_name') ? { verified_name: this.verifiedName } : {}),
        id: this.phoneNumberId,
      };
    }
    if (method === 'POST' && edge === 'messages') return this.sendMessage(body);
    throw badParam(`Unsupported ${method} request`);
  }

  private sendMessage(body: unknown): Json {
    if (!isRecord(body)) throw badParam('The parameter messaging_product is required.');
    if (body.messaging_product !== 'whatsapp') throw badParam('The parameter messaging_product is required.');
    const to = body.to;
    if (typeof to !== 'string' || !/^\+?\d{6,15}$/.test(to)) throw badParam('The parameter to is required.');
    if (body.recipient_type !== undefined && body.recipient_type !== 'individual') throw invalidParameter('recipient_type must be individual');
    const type = body.type ?? 'text';
    let text: string;
    let interactive: Json | undefined;
    if (type === 'text') {
      const payload = body.text;
      const textBody = isRecord(payload) ? payload.body : undefined;
      if (typeof textBody !== 'string' || textBody.length === 0) throw badParam("The parameter text['body'] is required.");
      if (textBody.length > 4096) throw badParam("Param text['body'] must be at most 4096 characters long.");
      text = textBody;
    } else if (type === 'interactive') {
      interactive = checkInteractive(body.interactive);
      text = isRecord(interactive.body) && typeof interactive.body.text === 'string' ? interactive.body.text : '';
    } else {
      throw invalidParameter(`message type ${JSON.stringify(type)} is not supported by this fake`);
    }
    const context = body.context;
    const contextId = isRecord(context) && typeof context.message_id === 'string' ? context.message_id : undefined;
    const id = `wamid.${this.nextId}`;
    this.nextId += 1;
    this.sentMessages.push({ id, to, type, text, ...(contextId ? { contextId } : {}), ...(interactive ? { interactive } : {}), raw: body });
    return { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }], messages: [{ id }] };
  }
}

function checkInteractive(value: unknown): Json {
  if (!isRecord(value)) throw badParam("The parameter interactive['type'] is required.");
  const body = value.body;
  const bodyText = isRecord(body) ? body.text : undefined;
  if (typeof bodyText !== 'string' || bodyText.length === 0) throw badParam("The parameter interactive['body']['text'] is required.");
  if (bodyText.length > 1024) throw invalidParameter('Body text length invalid. Min length: 1, Max length: 1024');
  const action = value.action;
  if (!isRecord(action)) throw badParam("The parameter interactive['action'] is required.");
  if (value.type === 'button') {
    const buttons = action.buttons;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) throw invalidParameter('Buttons count invalid. Min count: 1, Max count: 3');
    const ids = new Set<string>();
    const titles = new Set<string>();
    for (const button of buttons) {
      const reply = isRecord(button) && button.type === 'reply' ? button.reply : undefined;
      const id = isRecord(reply) ? reply.id : undefined;
      const title = isRecord(reply) ? reply.title : undefined;
      if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw invalidParameter('Button id length invalid. Max length: 256');
      if (typeof title !== 'string' || title.length === 0 || title.length > 20) throw invalidParameter('Button title length invalid. Min length: 1, Max length: 20');
      if (ids.has(id) || titles.has(title)) throw invalidParameter('Button title or id must be unique');
      ids.add(id);
      titles.add(title);
    }
    return value;
  }
  if (value.type === 'list') {
    const button = action.button;
    if (typeof button !== 'string' || button.length === 0 || button.length > 20) throw invalidParameter('Button text length invalid. Min length: 1, Max length: 20');
    const sections = action.sections;
    if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10) throw invalidParameter('Sections count invalid. Min count: 1, Max count: 10');
    let rows = 0;
    const ids = new Set<string>();
    for (const section of sections) {
      const sectionRows = isRecord(section) ? section.rows : undefined;
      if (!isRecord(section) || !Array.isArray(sectionRows)) throw badParam("The parameter interactive['action']['sections'][0]['rows'] is required.");
      if (sections.length > 1 && typeof section.title !== 'string') throw invalidParameter('Section title is required when there is more than one section');
      if (typeof section.title === 'string' && section.title.length > 24) throw invalidParameter('Section title length invalid. Max length: 24');
      for (const row of sectionRows) {
        rows += 1;
        const id = isRecord(row) ? row.id : undefined;
        const title = isRecord(row) ? row.title : undefined;
        if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw invalidParameter('Row id length invalid. Max length: 200');
        if (typeof title !== 'string' || title.length === 0 || title.length > 24) throw invalidParameter('Row title length invalid. Min length: 1, Max length: 24');
        if (ids.has(id)) throw invalidParameter('Row ids must be unique');
        ids.add(id);
      }
    }
    if (rows < 1 || rows > 10) throw invalidParameter('Total row count invalid. Min count: 1, Max count: 10');
    return value;
  }
  throw invalidParameter(`interactive type ${String(value.type)} is not supported by this fake`);
}

function endpointOf(method: string, path: string): Endpoint | undefined {
  if (method === 'POST' && /^\/[^/]+\/messages$/.test(path)) return 'messages';
  if (method === 'GET' && /^\/[^/]+$/.test(path)) return 'phone';
  return undefined;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // A string body stands for a non-JSON answer (an HTML error page from a proxy).
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  res.end(text);
}
