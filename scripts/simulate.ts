// `npm run simulate -- USER "text"`: sends one message to a running service through the web simulator
// and prints what the bot answered that user within a few seconds.
import { parseArgs } from 'node:util';

interface SentMessage {
  id: string;
  text: string;
  at: string;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: `http://localhost:${process.env.PORT ?? '3000'}` },
      chat: { type: 'string' },
      wait: { type: 'string', default: '3' },
    },
  });
  const [user, ...words] = positionals;
  if (!user || words.length === 0) {
    process.stderr.write('Usage: npm run simulate -- USER "message text" [--chat grup-petugas] [--url http://localhost:3000]\n');
    process.exit(2);
  }
  const base = values.url;
  const inbox = values.chat ?? user;
  const before = (await (await fetch(`${base}/simulator/messages?user=${encodeURIComponent(inbox)}`)).json()) as SentMessage[];
  const response = await fetch(`${base}/simulator/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, text: words.join(' '), ...(values.chat ? { chat: values.chat } : {}) }),
  });
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  const deadline = Date.now() + Number(values.wait) * 1000;
  let shown = before.length;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = (await (await fetch(`${base}/simulator/messages?user=${encodeURIComponent(inbox)}`)).json()) as SentMessage[];
    for (const message of sent.slice(shown)) process.stdout.write(`\n[${message.at}] bot -> ${inbox}:\n${message.text}\n`);
    shown = sent.length;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${(error as Error).message}\n`);
  process.exit(1);
});
