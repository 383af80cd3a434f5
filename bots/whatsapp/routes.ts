// The linking page: shows the QR code (or the pairing code) to link the village's number, and the
// state of the link. Whoever sees this page while a QR code is shown can take over the number, so
// it is for whoever runs the service only (see README: never expose it publicly).
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import type { ChannelHealth } from '../../core/types.ts';
import { formatPairingCode, type WhatsAppWebAdapter } from './adapter.ts';

const REFRESH_SECONDS = 5;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface QrPageState {
  health: ChannelHealth;
  /** The QR code as SVG markup (made by the qrcode package from the QR text). */
  qrSvg?: string;
  pairingCode?: string;
}

/** The page for one moment; it reloads itself, so a new QR code shows up without a click. */
export function renderQrPage(state: QrPageState): string {
  const { health } = state;
  const detail = health.detail ? `<p class="detail">Status: ${escapeHtml(health.detail)}</p>` : '';
  let body: string;
  if (health.state === 'connected' || health.state === 'degraded') {
    body = `<p class="ok">Sudah terhubung. Nomor desa siap menerima pesan warga.</p>${detail}`;
  } else if (state.qrSvg) {
    body = `<div class="qr">${state.qrSvg}</div>
<ol>
  <li>Buka WhatsApp di ponsel yang memakai nomor desa.</li>
  <li>Ketuk <b>Setelan</b> (atau menu ⋮) &gt; <b>Perangkat tertaut</b> &gt; <b>Tautkan perangkat</b>.</li>
  <li>Arahkan kamera ponsel ke kode QR di atas.</li>
</ol>
<p class="note">Kode QR berganti sekitar setiap 20 detik; halaman ini memperbarui diri setiap ${REFRESH_SECONDS} detik.</p>${detail}`;
  } else if (state.pairingCode) {
    body = `<p class="code">${escapeHtml(formatPairingCode(state.pairingCode))}</p>
<ol>
  <li>Buka WhatsApp di ponsel yang memakai nomor desa.</li>
  <li>Ketuk <b>Setelan</b> (atau menu ⋮) &gt; <b>Perangkat tertaut</b> &gt; <b>Tautkan perangkat</b> &gt; <b>Tautkan dengan nomor telepon saja</b>.</li>
  <li>Masukkan kode di atas.</li>
</ol>${detail}`;
  } else {
    body = `<p class="wait">Menunggu...</p>${detail}`;
  }
  return `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="robots" content="noindex">
<title>Tautkan WhatsApp — Aspirasi Desa</title>
<style>
  body { font-family: system-ui, sans-serif; background: #eef3f0; color: #1c2421; margin: 0; }
  main { max-width: 32rem; margin: 2rem auto; background: #fff; border-radius: 12px; padding: 1.5rem; }
  h1 { font-size: 1.3rem; margin-top: 0; }
  .qr svg { width: 100%; max-width: 22rem; height: auto; display: block; margin: 0 auto; }
  .code { font-size: 2.2rem; font-weight: 700; letter-spacing: 0.15em; text-align: center; }
  .ok { color: #15803d; font-weight: 600; }
  .detail, .note { color: #56655e; font-size: 0.9rem; }
</style>
</head>
<body>
<main>
<h1>Tautkan WhatsApp desa</h1>
${body}
</main>
</body>
</html>
`;
}

export function registerWhatsAppRoutes(app: FastifyInstance, adapter: WhatsAppWebAdapter): void {
  app.get('/whatsapp/qr', async (_request, reply) => {
    const qr = adapter.qr();
    const pairingCode = adapter.pairingCode();
    const page = renderQrPage({
      health: adapter.health(),
      ...(qr ? { qrSvg: await QRCode.toString(qr, { type: 'svg', margin: 2 }) } : {}),
      ...(pairingCode ? { pairingCode } : {}),
    });
    return reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .type('text/html; charset=utf-8')
      .send(page);
  });

  app.get('/whatsapp/qr.svg', async (_request, reply) => {
    const qr = adapter.qr();
    if (!qr) return reply.code(404).header('cache-control', 'no-store').send({ error: 'tidak ada kode QR saat ini' });
    const svg = await QRCode.toString(qr, { type: 'svg', margin: 2 });
    return reply.header('cache-control', 'no-store').type('image/svg+xml').send(svg);
  });
}
