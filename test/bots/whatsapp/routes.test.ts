import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WhatsAppWebAdapter } from '../../../bots/whatsapp/adapter.ts';
import { renderQrPage, registerWhatsAppRoutes } from '../../../bots/whatsapp/routes.ts';
import { FakeWhatsAppFactory } from '../../fakes/whatsapp-web.ts';
import { silentLogger } from '../../helpers.ts';

let app: FastifyInstance;
let adapter: WhatsAppWebAdapter;
let factory: FakeWhatsAppFactory;

function build(pairingNumber?: string): void {
  factory = new FakeWhatsAppFactory();
  adapter = new WhatsAppWebAdapter(
    {
      sessionDir: '/tmp/aspirasi-test/whatsapp-session',
      chromiumPath: '/usr/bin/chromium',
      pairingNumber,
      triageGroupId: undefined,
      readyTimeoutMs: 60_000,
      minDelayMs: 0,
      maxDelayMs: 0,
      perChatGapMs: 0,
      maxPerMinute: 20,
    },
    {
      receive: () => ({ duplicate: false, outcome: 'ignored' }),
      logger: silentLogger,
      hasWrittenFirst: () => false,
      officerGroups: new Set(),
      onLoggedOut: () => undefined,
      createClient: factory.create,
    },
  );
  app = Fastify();
  registerWhatsAppRoutes(app, adapter);
}

async function started(): Promise<void> {
  await adapter.start();
  // Started once the adapter listens to the client and has asked it to open WhatsApp Web.
  await vi.waitFor(() => expect(adapter.health().detail).toBe('membuka WhatsApp Web'));
}

beforeEach(() => build());

afterEach(async () => {
  await app.close();
  await adapter.stop();
});

describe('/whatsapp/qr', () => {
  it('shows the QR code as inline SVG with the steps, and refreshes itself', async () => {
    await started();
    factory.latest.emitQr('2@abcdefghijklmnopqrstuvwxyz,KEY1,KEY2,KEY3,1');
    const page = await app.inject('/whatsapp/qr');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('Perangkat tertaut');
    expect(page.body).toContain('http-equiv="refresh" content="5"');

    const svg = await app.inject('/whatsapp/qr.svg');
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body.startsWith('<svg')).toBe(true);
  });

  it('says when it is connected or still waiting, and has no QR image then', async () => {
    await started();
    const waiting = await app.inject('/whatsapp/qr');
    expect(waiting.body).toContain('Menunggu...');
    expect(waiting.body).toContain('Status: membuka WhatsApp Web');
    expect((await app.inject('/whatsapp/qr.svg')).statusCode).toBe(404);
    factory.latest.emitReady();
    const connected = await app.inject('/whatsapp/qr');
    expect(connected.body).toContain('Sudah terhubung');
    expect((await app.inject('/whatsapp/qr.svg')).statusCode).toBe(404);
  });

  it('shows the pairing code when linking by phone number', async () => {
    await app.close();
    await adapter.stop();
    build('6281234567890');
    await started();
    factory.latest.emitQr('QR-1');
    await vi.waitFor(() => expect(adapter.pairingCode()).toBe('ABCD1234'));
    const page = await app.inject('/whatsapp/qr');
    expect(page.body).toContain('ABCD-1234');
    expect(page.body).toContain('Tautkan dengan nomor telepon');
    expect(page.body).not.toContain('<svg');
  });

  it('escapes whatever the status says', () => {
    const html = renderQrPage({ health: { state: 'disconnected', detail: 'tidak dapat terhubung: <script>alert(1)</script>' } });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });
});
