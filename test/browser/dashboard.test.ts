// The dashboard and the public page in a real browser: Debian's Chromium driven by playwright-core
// against the real service (startService on a temporary DATA_DIR). Screenshots go to test-artifacts/.
// Without Chromium the suite is skipped with a message, except in CI (CI=true), where it must run.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../config/env.ts';
import { setOfficerPassword } from '../../core/auth/password.ts';
import { startService, type Service } from '../../scripts/service.ts';
import { daytimeProfilePath, tempDir, until } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';
const RESIDENT = 'warga-peramban';
const PASSWORD = 'sandi-uji-peramban-panjang';

const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!haveChromium && !inCi) {
  console.warn(`test/browser skipped: Chromium not found at ${CHROMIUM} (install it with: sudo apt-get install -y chromium)`);
}

let dataDir: { dir: string; cleanup: () => void };
let service: Service;
let browser: Browser;
let base = '';

/** Waits until the element's text contains `text` (pages answer after a redirect). */
async function expectText(locator: Locator, text: string): Promise<void> {
  let last = '';
  try {
    await until(`"${text}" on the page`, async () => {
      last = (await locator.first().textContent()) ?? '';
      return last.includes(text) ? true : undefined;
    }, 10_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the element says: ${last.slice(0, 500)}`, { cause: error });
  }
}

async function sentTo(user: string): Promise<Array<{ text: string }>> {
  const response = await fetch(`${base}/simulator/messages?user=${encodeURIComponent(user)}`);
  return (await response.json()) as Array<{ text: string }>;
}

async function newMobileContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, acceptDownloads: true, locale: 'id-ID' });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!haveChromium && !inCi)('dashboard and public page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = tempDir('aspirasi-browser-');
    service = await startService(parseEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir.dir, LOG_LEVEL: 'silent', ASPIRASI_CONFIG: daytimeProfilePath() }, false));
    base = `http://localhost:${service.port}`;
    // Login links name localhost; the service listens on IPv4 only.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    dataDir?.cleanup();
  });

  it('logs in with a password, triages a simulator ticket to resolved, the resident gets the answers, and exports CSV', async () => {
    await setOfficerPassword(service.ctx, 'kaur_umum', PASSWORD);
    const created = await fetch(`${base}/simulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: RESIDENT, name: 'Budi Peramban', text: LAMP }),
    });
    const { ticket: code } = (await created.json()) as { ticket: string };
    expect(code).toMatch(/^SKM-\d+$/);

    const context = await newMobileContext();
    const page = await context.newPage();
    await page.goto(`${base}/dasbor`);
    expect(new URL(page.url()).pathname).toBe('/masuk');
    await page.fill('#officer', 'kaur_umum');
    await page.fill('#password', PASSWORD);
    await screenshot(page, '01-masuk');
    await page.click('form[action="/masuk"] button[type=submit]');
    await page.waitForURL(`${base}/dasbor`);
    await expectText(page.locator('.tickets li').first(), LAMP.slice(0, 30));
    await screenshot(page, '02-daftar-tiket');

    await page.click(`text=${code}`);
    await page.waitForURL(/\/dasbor\/tiket\/\d+$/);
    await expectText(page.locator('.conversation'), LAMP);
    await page.fill('#reply-text', 'Terima kasih, petugas akan mengecek lampunya sore ini.');
    await page.click('form:has(#reply-text) button[type=submit]');
    await expectText(page.locator('.notice'), `Jawaban untuk ${code} dikirim ke pelapor.`);
    await page.fill('#resolve-text', 'Lampu sudah diganti dengan yang baru.');
    await page.click('form:has(#resolve-text) button[type=submit]');
    await expectText(page.locator('.notice'), `Tiket ${code} ditandai selesai`);
    await expectText(page.locator('dl.facts'), 'Selesai ditangani');
    await screenshot(page, '03-tiket-selesai');

    const texts = await until('the answers to reach the simulated resident', async () => {
      const sent = (await sentTo(RESIDENT)).map((message) => message.text).join('\n---\n');
      return sent.includes('Lampu sudah diganti dengan yang baru.') ? sent : undefined;
    }, 10_000);
    expect(texts).toContain('Terima kasih, petugas akan mengecek lampunya sore ini.');

    await page.goto(`${base}/dasbor`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Unduh CSV')]);
    const path = await download.path();
    const csv = readFileSync(path);
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const csvText = csv.toString('utf8');
    expect(csvText).toContain(`"${code}"`);
    expect(csvText).toContain('"Selesai ditangani"');
    expect(csvText).not.toContain(RESIDENT);
    expect(download.suggestedFilename()).toMatch(/^tiket-\d{4}-\d{2}-\d{2}\.csv$/);
    await context.close();
  }, 90_000);

  it('logs in with a one-time link sent to the officer\'s chat and shows the Musdes proposals', async () => {
    await fetch(`${base}/simulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'warga-usul', text: 'Usul dibangun pos ronda baru di Dusun Krajan RT 02' }),
    });
    const context = await newMobileContext();
    const page = await context.newPage();
    await page.goto(`${base}/masuk`);
    await page.fill('#link-officer', 'bpd_ketua');
    await page.click('form[action="/masuk/tautan"] button[type=submit]');
    await expectText(page.locator('.notice'), 'tautan masuk sudah dikirim');
    // The BPD chair's first contact in the demo profile is the simulator chat "bpd_ketua".
    const link = await until('the login link in the officer\'s chat', async () => {
      const sent = await sentTo('bpd_ketua');
      return sent.map((message) => /(http:\/\/localhost:\d+\/masuk\/tautan\/[\w-]+)/.exec(message.text)?.[1]).find(Boolean);
    }, 10_000);
    await page.goto(link);
    await screenshot(page, '04-tautan-masuk');
    await page.click('text=Masuk sekarang');
    await page.waitForURL(`${base}/dasbor`);
    await page.click('text=Usulan Musdes');
    await expectText(page.locator('main'), 'pos ronda');
    await screenshot(page, '05-usulan-musdes');

    // The link was used once: opening it again does not log anyone in.
    const other = await newMobileContext();
    const again = await other.newPage();
    await again.goto(link);
    await again.click('text=Masuk sekarang');
    await expectText(again.locator('main'), 'Tautan tidak berlaku');
    await other.close();
    await context.close();
  }, 90_000);

  it('renders the public page with its charts, without logging in', async () => {
    const context = await newMobileContext();
    const page = await context.newPage();
    await page.goto(`${base}/publik`);
    await expectText(page.locator('h1'), 'Aspirasi warga');
    const charts = page.locator('figure.chart svg');
    expect(await charts.count()).toBe(3);
    for (let index = 0; index < 3; index += 1) {
      const box = await charts.nth(index).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(box?.height ?? 0).toBeGreaterThan(100);
      expect(await charts.nth(index).locator('path').count()).toBeGreaterThan(0);
    }
    await screenshot(page, '06-halaman-publik');
    await context.close();
  }, 60_000);
});
