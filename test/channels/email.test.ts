import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ChannelError, createIncidentKit, type RenderedMessage, ValidationError } from 'incidentkit';
import {
  type EmailChannelOptions,
  emailChannel,
  escapeHtml,
  type MailMessage,
  renderEmailHtml,
  safeHref,
} from 'incidentkit/channels';
import { FakeClock, RecordingChannel } from 'incidentkit/testing';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, test } from 'vitest';
import { TRIAGED_REPORT as REPORT } from '../support.js';

// ---------------------------------------------------------------------------------------------
// A real SMTP server on 127.0.0.1 that records every DATA it receives and answers from a script.

interface SmtpSink {
  port: number;
  /** Raw MIME of every DATA received, accepted or not. */
  received: string[];
  /** Raw MIME of the accepted messages. */
  accepted: string[];
  /** Envelope recipients of the accepted messages. */
  rcptTo: string[][];
  /** The next DATA commands answer with these codes (`250` accepts); the last one repeats. */
  reply(...codes: number[]): void;
  transport(auth?: { user: string; pass: string }): ReturnType<typeof nodemailer.createTransport>;
  close(): Promise<void>;
}

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function startSmtp(
  options: { rejectAuth?: boolean; rejectRcpt?: (address: string) => boolean } = {},
): Promise<SmtpSink> {
  let script = [250];
  let served = 0;
  const received: string[] = [];
  const accepted: string[] = [];
  const rcptTo: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(_auth, _session, callback) {
      if (options.rejectAuth) callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
      else callback(null, { user: 'ok' });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRcpt?.(address.address)) {
        callback(Object.assign(new Error(`No such user <${address.address}>`), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push(raw);
        const code = script[Math.min(served, script.length - 1)] ?? 250;
        served++;
        if (code === 250) {
          accepted.push(raw);
          rcptTo.push(session.envelope.rcptTo.map((r) => r.address));
          callback(null);
        } else {
          callback(Object.assign(new Error(`Scripted failure ${code}`), { responseCode: code }));
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  const sink: SmtpSink = {
    port,
    received,
    accepted,
    rcptTo,
    reply(...codes) {
      script = codes;
      served = 0;
    },
    transport: (auth) =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        ignoreTLS: true,
        ...(auth ? { auth } : {}),
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  sinks.push(sink);
  return sink;
}

// ---------------------------------------------------------------------------------------------
// A small MIME reader: headers (unfolded) and the decoded text parts of a multipart message.

interface Mime {
  headers: Map<string, string>;
  text: string;
  html: string;
  /** The raw, still encoded, HTML part (headers and body). */
  rawHtml: string;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function decode(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable': {
      const bytes: number[] = [];
      const soft = body.replace(/=\r\n/g, '');
      for (let i = 0; i < soft.length; i++) {
        const hex = soft.slice(i + 1, i + 3);
        if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else bytes.push(...Buffer.from(soft[i] ?? '', 'utf8'));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

function parseMime(raw: string): Mime {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const parts = raw
    .slice(split + 4)
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const body = part.replace(/^\r\n/, '');
      const end = body.indexOf('\r\n\r\n');
      const partHeaders = parseHeaders(body.slice(0, end));
      const content = body.slice(end + 4).replace(/\r\n$/, '');
      return { raw: body, type: partHeaders.get('content-type') ?? '', content, headers: partHeaders };
    });
  const find = (type: string) => {
    const part = parts.find((p) => p.type.startsWith(type));
    if (!part) throw new Error(`no ${type} part`);
    return part;
  };
  const text = find('text/plain');
  const html = find('text/html');
  return {
    headers,
    // SMTP lines end in CRLF; compare with what the channel was given.
    text: decode(text.content, text.headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n'),
    html: decode(html.content, html.headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n'),
    rawHtml: html.raw,
  };
}

// ---------------------------------------------------------------------------------------------

const FROM = 'incidents@example.com';
const TO = 'oncall@example.com';

/** A kit with one email channel; `to` defaults to {@link TO} unless `recipients` is given. */
function kitWith(options: Omit<EmailChannelOptions, 'from'>) {
  const clock = new FakeClock();
  const channel = emailChannel({ from: FROM, ...(options.recipients ? {} : { to: TO }), ...options });
  return { kit: createIncidentKit({ channels: [channel], clock }), clock };
}

/** Real rendered messages of one reported incident (reported, triaged), through a recording channel. */
async function renderedMessages(report: Record<string, unknown> = {}): Promise<RenderedMessage[]> {
  const channel = new RecordingChannel('email');
  const kit = createIncidentKit({ channels: [channel], clock: new FakeClock() });
  await kit.report({ ...REPORT, ...report });
  await kit.runDue();
  return channel.messages;
}

/** Every tag of `html` is one of the layout's own, with only its own attributes. */
function expectOnlyLayoutTags(html: string): void {
  const allowed =
    /^<\/?(?:!DOCTYPE html|html|head|meta|title|body|div|h1|p|br|table|tr|th|td)(?:\s+[a-z-]+="[^"<>]*")*\s*>$/;
  const tags = html.match(/<[^>]*>/g) ?? [];
  expect(tags.length).toBeGreaterThan(10);
  for (const tag of tags) expect(tag).toMatch(allowed);
  for (const tag of tags) expect(tag).not.toMatch(/\s(?:on[a-z]+|src|href)=/i);
}

const XSS_TITLE = '<script>alert(1)</script> "><img src=x onerror=alert(1)>';
const XSS_DESCRIPTION = "Broken: <script>alert(1)</script> and \"><img src=x onerror=alert(1)> 'quoted'";

describe('emailChannel through real nodemailer into a local SMTP server', () => {
  test('end to end through a kit: the sink gets a text and an HTML part, from, to and the default headers', async () => {
    const sink = await startSmtp();
    const clock = new FakeClock();
    const kit = createIncidentKit({
      channels: [emailChannel({ transport: sink.transport(), from: FROM, to: TO })],
      clock,
    });
    const incident = await kit.report(REPORT);
    const result = await kit.runDue();

    expect(result).toMatchObject({ delivered: 2, failed: 0, dead: 0 });
    expect(sink.accepted).toHaveLength(2);
    expect(sink.rcptTo).toEqual([[TO], [TO]]);
    const [reported, triaged] = sink.accepted.map(parseMime);
    expect(reported?.headers.get('from')).toBe(FROM);
    expect(reported?.headers.get('to')).toBe(TO);
    expect(reported?.headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(reported?.headers.get('subject')).toContain(`${incident.number} [P1] Checkout is down`);
    expect(reported?.headers.get('auto-submitted')).toBe('auto-generated');
    expect(reported?.headers.get('x-incidentkit-event')).toBe('incident.reported');
    expect(triaged?.headers.get('x-incidentkit-event')).toBe('incident.triaged');
    expect(reported?.headers.get('x-incidentkit-audience')).toBe('responders');
    expect(reported?.headers.get('x-incidentkit-incident')).toBe(incident.number);

    // Text part: the default plain-text rendering. HTML part: heading, paragraphs, facts table.
    expect(reported?.text).toContain('reported by Ana (employee): Checkout is down');
    expect(reported?.text).toContain('Service: shop (production)');
    expect(reported?.html).toMatch(/^<!DOCTYPE html>/);
    expect(reported?.html).toMatch(/<h1 style="[^"]*">INC-\d+ \[P1\] Checkout is down/);
    expect(reported?.html).toContain('reported by Ana (employee): Checkout is down');
    for (const [name, value] of [
      ['Incident', incident.number],
      ['Priority', 'P1'],
      ['Status', 'open'],
      ['Service', 'shop (production)'],
    ] as const) {
      const cell = `<th style="[^"]*">${name}</th><td style="[^"]*">${value.replace(/[()[\]]/g, '\\$&')}</td>`;
      expect(reported?.html).toMatch(new RegExp(cell));
    }
  });

  test('Message-ID is the outbox id; In-Reply-To and References thread one incident and differ across incidents', async () => {
    const sink = await startSmtp();
    const { kit } = kitWith({ transport: sink.transport(), domain: 'incidents.example.com' });
    const first = await kit.report(REPORT);
    const second = await kit.report({ ...REPORT, title: 'Search is slow' });
    await kit.runDue();

    const outbox = [...(await kit.store.outbox(first.id)), ...(await kit.store.outbox(second.id))];
    expect(outbox).toHaveLength(4);
    const mails = sink.accepted.map(parseMime);
    const byMessageId = new Map(mails.map((m) => [m.headers.get('message-id'), m]));
    for (const record of outbox) expect(byMessageId.has(`<${record.id}@incidents.example.com>`)).toBe(true);

    const thread = (id: string) =>
      outbox
        .filter((r) => r.incidentId === id)
        .map((r) => byMessageId.get(`<${r.id}@incidents.example.com>`)!)
        .map((m) => [m.headers.get('in-reply-to'), m.headers.get('references')]);
    const one = thread(first.id);
    const two = thread(second.id);
    expect(one).toEqual([
      [`<incident-${first.id}@incidents.example.com>`, `<incident-${first.id}@incidents.example.com>`],
      [`<incident-${first.id}@incidents.example.com>`, `<incident-${first.id}@incidents.example.com>`],
    ]);
    expect(two[0]).toEqual(two[1]);
    expect(two[0]).not.toEqual(one[0]);
  });

  test('a retry resends the same Message-ID: 451 is retried, then delivered', async () => {
    const sink = await startSmtp();
    sink.reply(451, 250);
    const { kit, clock } = kitWith({ transport: sink.transport() });
    const events: string[] = [];
    kit.on('notification.failed', ({ error }) => {
      events.push(ChannelError.isInstance(error) ? `${error.retryable}: ${error.message}` : String(error));
    });
    await kit.report(REPORT); // two messages: reported, then (in order, behind it) triaged

    expect(await kit.runDue()).toMatchObject({ delivered: 0, failed: 1, dead: 0 });
    expect(events).toEqual([expect.stringMatching(/^true: Channel "email": sendMail failed \(EMESSAGE, SMTP 451\)/)]);
    clock.advance('PT6S'); // the schedule's 5 s, plus at most 20% jitter
    expect(await kit.runDue()).toMatchObject({ delivered: 2, failed: 0, dead: 0 });

    expect(sink.received).toHaveLength(3);
    expect(sink.accepted).toHaveLength(2);
    const [attempt1, attempt2, other] = sink.received.map(parseMime);
    expect(attempt1?.headers.get('message-id')).toMatch(/^<[0-9A-Z]+@incidentkit\.invalid>$/);
    expect(attempt2?.headers.get('message-id')).toBe(attempt1?.headers.get('message-id'));
    expect(attempt2?.html).toBe(attempt1?.html);
    expect(other?.headers.get('message-id')).not.toBe(attempt1?.headers.get('message-id'));
  });

  test('550 on data is permanent: the message is dead after one attempt', async () => {
    const sink = await startSmtp();
    sink.reply(550);
    const { kit } = kitWith({ transport: sink.transport() });
    const dead: unknown[] = [];
    kit.on('notification.dead', ({ error }) => dead.push(error));
    const { id } = await kit.report(REPORT);

    expect(await kit.runDue()).toMatchObject({ delivered: 0, failed: 0, dead: 2 });
    expect(sink.received).toHaveLength(2);
    const outbox = await kit.store.outbox(id);
    expect(outbox.map((r) => [r.status, r.attempts])).toEqual([
      ['dead', 1],
      ['dead', 1],
    ]);
    expect(dead).toHaveLength(2);
    const error = dead[0] as ChannelError;
    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/SMTP 550.*Scripted failure 550/);
  });

  test('451 on data and a server that is down are retryable ChannelErrors', async () => {
    const sink = await startSmtp();
    sink.reply(451);
    const [message] = await renderedMessages();
    const context = { attempt: 1, idempotencyKey: message!.id };

    const tempFail = await emailChannel({ transport: sink.transport(), from: FROM, to: TO })
      .send(message!, context)
      .catch((e: unknown) => e);
    expect(ChannelError.isInstance(tempFail)).toBe(true);
    expect(tempFail).toMatchObject({ retryable: true, channel: 'email' });

    const down = await startSmtp();
    const port = down.port;
    await down.close();
    const refused = await emailChannel({
      transport: nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
      from: FROM,
      to: TO,
    })
      .send(message!, context)
      .catch((e: unknown) => e);
    expect(ChannelError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ retryable: true });
    expect((refused as Error).message).toMatch(/sendMail failed \((?:ECONNECTION|ESOCKET)\)$/);
  });

  test('credentials never reach the error: a rejected login (535) is permanent and names no secret', async () => {
    const sink = await startSmtp({ rejectAuth: true });
    const [message] = await renderedMessages();
    const error = await emailChannel({
      transport: sink.transport({ user: 'mailer-user', pass: 'hunter2-canary' }),
      from: FROM,
      to: TO,
    })
      .send(message!, { attempt: 1, idempotencyKey: message!.id })
      .catch((e: unknown) => e);

    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/EAUTH, SMTP 535/);
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error));
    expect(everything).not.toContain('hunter2-canary');
    expect(String((error as Error).cause)).not.toContain('hunter2-canary');
    expect(sink.received).toHaveLength(0);
  });

  test('XSS: script and attribute payloads in title, description and an update render inert in the HTML part', async () => {
    const sink = await startSmtp();
    const { kit } = kitWith({ transport: sink.transport() });
    const { id } = await kit.report({ ...REPORT, title: XSS_TITLE, description: XSS_DESCRIPTION });
    await kit.postUpdate(id, { audience: 'stakeholders', message: `Update: ${XSS_DESCRIPTION}` });
    expect(await kit.runDue()).toMatchObject({ delivered: 3 });

    for (const raw of sink.accepted) {
      const mail = parseMime(raw);
      expectOnlyLayoutTags(mail.html);
      expect(mail.html).not.toMatch(/<script|<img|javascript:/i);
      expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
      // The raw (encoded) HTML part carries no markup of the payload either.
      expect(mail.rawHtml).not.toMatch(/<script|<img/i);
      // The text part is plain text: the payload is shown as typed.
      expect(mail.text).toContain(XSS_TITLE);
    }
    const update = parseMime(sink.accepted[2]!);
    expect(update.html).toContain(
      'Broken: &lt;script&gt;alert(1)&lt;/script&gt; and &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#39;quoted&#39;',
    );
  });

  test('a subject with line breaks stays one header line (no header injection)', async () => {
    const sink = await startSmtp();
    const [message] = await renderedMessages();
    const channel = emailChannel({ transport: sink.transport(), from: FROM, to: TO });
    await channel.send(
      { ...message!, subject: 'Outage\r\nBcc: victim@example.com\r\nX-Evil: 1' },
      { attempt: 1, idempotencyKey: message!.id },
    );
    const mail = parseMime(sink.accepted[0]!);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('x-evil')).toBe(false);
    expect(mail.headers.get('subject')).toBe('Outage Bcc: victim@example.com X-Evil: 1');
    expect(sink.rcptTo).toEqual([[TO]]);
  });
});

describe('emailChannel options', () => {
  test('render() replaces parts; the default HTML uses the replaced subject and text', async () => {
    const sink = await startSmtp();
    const { kit } = kitWith({
      transport: sink.transport(),
      replyTo: 'war-room@example.com',
      render: (message) =>
        message.event === 'incident.reported'
          ? { subject: `New: ${message.payload.incident.title}`, text: 'Line one\nline two\n\nSecond <paragraph>' }
          : { html: '<p>custom</p>' },
    });
    await kit.report(REPORT);
    await kit.runDue();

    const [reported, triaged] = sink.accepted.map(parseMime);
    expect(reported?.headers.get('subject')).toBe('New: Checkout is down');
    expect(reported?.headers.get('reply-to')).toBe('war-room@example.com');
    expect(reported?.text).toBe('Line one\nline two\n\nSecond <paragraph>');
    expect(reported?.html).toMatch(/<h1 style="[^"]*">New: Checkout is down<\/h1>/);
    expect(reported?.html).toMatch(
      /<p style="[^"]*">Line one<br>line two<\/p>\n<p style="[^"]*">Second &lt;paragraph&gt;<\/p>/,
    );
    expect(triaged?.html).toBe('<p>custom</p>');
    expect(triaged?.headers.get('subject')).toMatch(/prioritized P1/);
  });

  test('a throwing render() is a permanent ChannelError; a ChannelError it throws passes through', async () => {
    const [message] = await renderedMessages();
    const transport = { sendMail: async () => ({}) };
    const context = { attempt: 1, idempotencyKey: message!.id };
    const broken = await emailChannel({
      transport,
      from: FROM,
      to: TO,
      render: () => {
        throw new TypeError('template bug');
      },
    })
      .send(message!, context)
      .catch((e: unknown) => e);
    expect(broken).toMatchObject({ retryable: false, message: 'Channel "email": render() failed: template bug' });

    const own = new ChannelError('email', 'try later', { retryAfterMs: 1000 });
    const passed = await emailChannel({
      transport,
      from: FROM,
      to: TO,
      render: async () => {
        throw own;
      },
    })
      .send(message!, context)
      .catch((e: unknown) => e);
    expect(passed).toBe(own);
  });

  test('recipients() picks addresses per message; an empty list skips the message', async () => {
    const sink = await startSmtp();
    const { kit } = kitWith({
      transport: sink.transport(),
      recipients: (message) => {
        if (message.audience === 'customers') return [];
        return message.audience === 'stakeholders' ? ['boss@example.com', 'pm@example.com'] : TO;
      },
    });
    const { id } = await kit.report(REPORT); // reported and triaged, to responders
    await kit.postUpdate(id, { audience: ['stakeholders', 'customers'], message: 'Working on it' });

    expect(await kit.runDue()).toMatchObject({ delivered: 4, dead: 0 });
    expect(sink.rcptTo).toEqual([[TO], [TO], ['boss@example.com', 'pm@example.com']]);
    expect(parseMime(sink.accepted[2]!).headers.get('to')).toBe('boss@example.com, pm@example.com');
  });

  test('the transport gets a MailMessage of plain data; its own error is never echoed', async () => {
    const sent: MailMessage[] = [];
    const [message] = await renderedMessages();
    const ok = emailChannel({
      name: 'mail',
      transport: { sendMail: async (m) => void sent.push(m) },
      from: FROM,
      to: [TO, 'second@example.com'],
    });
    await ok.send(message!, { attempt: 1, idempotencyKey: message!.id });
    expect(ok.name).toBe('mail');
    expect(sent[0]).toMatchObject({
      from: { name: '', address: FROM },
      to: [
        { name: '', address: TO },
        { name: '', address: 'second@example.com' },
      ],
      subject: message!.subject,
      text: message!.text,
      messageId: `<${message!.id}@incidentkit.invalid>`,
      inReplyTo: `<incident-${message!.payload.incident.id}@incidentkit.invalid>`,
      references: `<incident-${message!.payload.incident.id}@incidentkit.invalid>`,
    });
    expect(sent[0]).not.toHaveProperty('replyTo');

    // An HTTP-API transport whose error carries its configuration (as axios errors do).
    const leaky = Object.assign(new Error('Request failed with Authorization: Bearer sk-canary'), {
      config: { headers: { Authorization: 'Bearer sk-canary' } },
    });
    const error = await emailChannel({
      transport: {
        sendMail: async () => {
          throw leaky;
        },
      },
      from: FROM,
      to: TO,
    })
      .send(message!, { attempt: 1, idempotencyKey: message!.id })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, message: 'Channel "email": sendMail failed (Error)' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('sk-canary');
  });

  test('bad options throw ValidationError at construction', () => {
    const transport = { sendMail: async () => ({}) };
    const bad: unknown[] = [
      { from: FROM, to: TO },
      { transport: {}, from: FROM, to: TO },
      { transport, from: FROM, to: TO, recipients: () => TO },
      { transport, from: FROM, to: [] },
      { transport, from: 'a@example.com\r\nBcc: x@example.com', to: TO },
      { transport, from: FROM, to: TO, domain: 'bad domain>' },
      { transport, from: FROM, to: TO, render: 'nope' },
    ];
    for (const options of bad) {
      expect(() => emailChannel(options as EmailChannelOptions)).toThrow(ValidationError);
    }
    expect(() => emailChannel({ transport, from: FROM, to: TO, domain: 'mail.example.com' })).not.toThrow();
    // Neither to nor recipients: each message goes to its route's contacts.
    expect(() => emailChannel({ transport, from: FROM })).not.toThrow();
  });
});

describe('emailChannel addresses: exactly one mailbox each', () => {
  const INJECTIONS: [entry: string, problem: RegExp][] = [
    ['ana@example.com, attacker@evil.test', /more than one address/],
    ['ana@example.com; attacker@evil.test', /more than one address/],
    ['Ana <ana@example.com>\nBcc: c@evil.test', /control character or a line or paragraph separator/],
    ['Ana <ana@example.com>\r\nBcc: c@evil.test', /control character or a line or paragraph separator/],
    ['Ana <ana@example.com>\u2028Bcc: c@evil.test', /control character or a line or paragraph separator/],
    ['Ana <ana@example.com>\u2029c@evil.test', /control character or a line or paragraph separator/],
    ['Ana <ana@example.com>\u0085c@evil.test', /control character or a line or paragraph separator/],
    ['team: ana@example.com, attacker@evil.test;', /more than one address|group/],
    ['undisclosed-recipients:;', /more than one address|group/],
    ['Ana <ana@example.com> attacker@evil.test', /not one address/],
    ['Ana <ana@example.com> <attacker@evil.test>', /special characters|not one address/],
    ['Ana (attacker@evil.test) <ana@example.com>', /special characters/],
    ['"Ana <ana@example.com>', /unterminated/],
    ['ana@evil.test@example.com', /not one address/],
    ['ana', /not one address/],
  ];

  test.each(INJECTIONS)('recipients() returning %j: permanent, masked, nothing sent', async (entry, problem) => {
    const sink = await startSmtp();
    const { kit } = kitWith({ transport: sink.transport(), recipients: () => [TO, entry] });
    const dead: unknown[] = [];
    kit.on('notification.dead', ({ error }) => dead.push(error));
    const { id } = await kit.report(REPORT);

    expect(await kit.runDue()).toMatchObject({ delivered: 0, dead: 2 });
    expect(sink.received).toHaveLength(0);
    const outbox = await kit.store.outbox(id);
    expect(outbox.map((r) => [r.status, r.attempts])).toEqual([
      ['dead', 1],
      ['dead', 1],
    ]);
    const error = dead[0] as ChannelError;
    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^Channel "email": recipients\(\) returned an address that /);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain('(entry 2 of 2)');
    // The entry is shown masked: no full address, no raw line break.
    for (const full of ['ana@example.com', 'attacker@evil.test', 'c@evil.test']) {
      expect(error.message).not.toContain(full);
      expect(outbox[0]!.lastError).not.toContain(full);
    }
    expect(error.message).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
  });

  test('the masked entry keeps the shape and the domains: a***@example.com, \\u000A for a line break', async () => {
    const [message] = await renderedMessages();
    const error = await emailChannel({
      transport: { sendMail: async () => ({}) },
      from: FROM,
      recipients: () => 'Ana <ana@example.com>\nBcc: c@evil.test',
    })
      .send(message!, { attempt: 1, idempotencyKey: message!.id })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      retryable: false,
      message:
        'Channel "email": recipients() returned an address that contains a control character or a line or ' +
        'paragraph separator: Ana <a***@example.com>\\u000ABcc: c***@evil.test',
    });
  });

  test('recipients() returning something that is not a string is permanent', async () => {
    const [message] = await renderedMessages();
    for (const value of [42, null, [TO, undefined], { address: TO }]) {
      const error = await emailChannel({
        transport: { sendMail: async () => ({}) },
        from: FROM,
        recipients: () => value as never,
      })
        .send(message!, { attempt: 1, idempotencyKey: message!.id })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/expected an address$/) });
    }
  });

  test('one address per entry, with or without a display name, reaches nodemailer as { name, address }', async () => {
    const sink = await startSmtp();
    const sent: MailMessage[] = [];
    const transport = sink.transport();
    const recording = {
      sendMail: (m: MailMessage) => {
        sent.push(structuredClone(m));
        return transport.sendMail(m);
      },
    };
    const entries = [
      '"Doe, Jane" <jane@example.com>',
      'Ana Lima <ana@example.com>',
      '  <bare@example.com>  ',
      '',
      'plain+tag@example.com',
      '"x@evil.test, Bcc: y@evil.test" <quoted@example.com>',
      '"Say \\"hi\\"" <hi@example.com>',
      'José Müller <jose@müller.example>',
    ];
    const [message] = await renderedMessages();
    await emailChannel({
      transport: recording,
      from: '"Incidents" <incidents@example.com>',
      replyTo: 'War room <war-room@example.com>',
      recipients: () => entries,
    }).send(message!, { attempt: 1, idempotencyKey: message!.id });

    expect(sent[0]?.from).toEqual({ name: 'Incidents', address: 'incidents@example.com' });
    expect(sent[0]?.replyTo).toEqual({ name: 'War room', address: 'war-room@example.com' });
    expect(sent[0]?.to).toEqual([
      { name: 'Doe, Jane', address: 'jane@example.com' },
      { name: 'Ana Lima', address: 'ana@example.com' },
      { name: '', address: 'bare@example.com' },
      { name: '', address: 'plain+tag@example.com' },
      { name: 'x@evil.test, Bcc: y@evil.test', address: 'quoted@example.com' },
      { name: 'Say "hi"', address: 'hi@example.com' },
      { name: 'José Müller', address: 'jose@müller.example' },
    ]);
    // The envelope holds exactly these addresses, no evil.test.
    expect(sink.rcptTo).toEqual([
      [
        'jane@example.com',
        'ana@example.com',
        'bare@example.com',
        'plain+tag@example.com',
        'quoted@example.com',
        'hi@example.com',
        'jose@müller.example',
      ],
    ]);
    const mail = parseMime(sink.accepted[0]!);
    expect(mail.headers.get('from')).toBe('Incidents <incidents@example.com>');
    expect(mail.headers.get('reply-to')).toBe('War room <war-room@example.com>');
    expect(mail.headers.get('to')).toContain('"Doe, Jane" <jane@example.com>');
    expect(mail.headers.get('to')).toContain('"x@evil.test, Bcc: y@evil.test" <quoted@example.com>');
    expect(mail.headers.has('bcc')).toBe(false);
  });

  test('bad from, to and replyTo are a ValidationError at construction that never echoes the value', () => {
    const transport = { sendMail: async () => ({}) };
    const bad: [Partial<EmailChannelOptions>, RegExp][] = [
      [{ to: 'oncall@example.com, attacker@evil.test' }, /^Invalid emailChannel options: to: .*more than one address/],
      [{ to: [TO, 'Ana <ana@example.com>\u2028Bcc: c@evil.test'] }, /to\[1\]: .*line or paragraph separator/],
      [{ to: [TO, 'team: attacker@evil.test;'] }, /to\[1\]: .*group/],
      [{ from: 'Ops <ops@example.com>, attacker@evil.test' }, /from: .*more than one address/],
      [{ from: 'ops@example.com\nBcc: attacker@evil.test' }, /from: .*control character/],
      [{ replyTo: 'x: attacker@evil.test;' }, /replyTo: .*group/],
      [{ replyTo: 'attacker@evil.test (comment)' }, /replyTo: .*not one address/],
    ];
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        emailChannel({ transport, from: FROM, to: TO, ...options });
      } catch (e) {
        error = e;
      }
      expect(ValidationError.isInstance(error), JSON.stringify(options)).toBe(true);
      expect((error as Error).message).toMatch(message);
      const everything = JSON.stringify(error, Object.getOwnPropertyNames(error));
      expect(everything).not.toContain('evil.test');
    }
  });
});

describe('emailChannel when the server refuses some recipients', () => {
  test('1 of 2 refused: dead after one attempt with the counts and the masked address; the other got it', async () => {
    const sink = await startSmtp({ rejectRcpt: (address) => address.startsWith('gone') });
    const { kit } = kitWith({ transport: sink.transport(), to: [TO, 'gone.user@example.com'] });
    const dead: unknown[] = [];
    kit.on('notification.dead', ({ error }) => dead.push(error));
    const { id } = await kit.report(REPORT);

    expect(await kit.runDue()).toMatchObject({ delivered: 0, failed: 0, dead: 2 });
    // The accepted recipient did receive both messages, once each.
    expect(sink.accepted).toHaveLength(2);
    expect(sink.rcptTo).toEqual([[TO], [TO]]);
    const outbox = await kit.store.outbox(id);
    expect(outbox.map((r) => [r.status, r.attempts])).toEqual([
      ['dead', 1],
      ['dead', 1],
    ]);
    const error = dead[0] as ChannelError;
    expect(ChannelError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'Channel "email": sendMail: 1 of 2 recipients refused (g***@example.com; SMTP 550); not retried, since the others received it',
    );
    expect(outbox[0]!.lastError).not.toContain('gone.user');
  });

  test('results are read defensively: other shapes count as sent, object entries and missing accepted are handled', async () => {
    const [message] = await renderedMessages();
    const context = { attempt: 1, idempotencyKey: message!.id };
    const send = (result: unknown) =>
      emailChannel({ transport: { sendMail: async () => result }, from: FROM, to: [TO, 'b@example.com'] })
        .send(message!, context)
        .then(
          () => 'sent',
          (e: unknown) => (e as Error).message,
        );

    for (const result of [
      undefined,
      null,
      'ok',
      {},
      { rejected: [] },
      { rejected: 'b@example.com' },
      { accepted: [TO], rejected: [] },
    ]) {
      expect(await send(result)).toBe('sent');
    }
    expect(await send({ rejected: [{ address: 'b@example.com' }], rejectedErrors: [{ responseCode: 550 }, {}] })).toBe(
      'Channel "email": sendMail: 1 of 2 recipients refused (b***@example.com; SMTP 550); not retried, since the others received it',
    );
    expect(await send({ accepted: [], rejected: [TO, 42, 'b@example.com\r\nX: y'] })).toMatch(
      /: 3 of 3 recipients refused \(o\*\*\*@example\.com, \?\*\*\*, b\*\*\*@example\.com X: y\); not retried/,
    );
    const many = Array.from({ length: 8 }, (_, i) => `user${i}@example.com`);
    expect(await send({ accepted: ['a@example.com'], rejected: many })).toMatch(
      /: 8 of 9 recipients refused \((?:u\*\*\*@example\.com, ){5}3 more\);/,
    );
  });
});

describe('HTML helpers', () => {
  test('escapeHtml leaves no markup character and round-trips', () => {
    const unescapeHtml = (s: string) =>
      s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const escaped = escapeHtml(value);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped.replace(/&(?:amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(unescapeHtml(escaped)).toBe(value);
      }),
    );
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  test('safeHref keeps http, https and mailto URLs (escaped) and drops everything else', () => {
    expect(safeHref('https://status.example.com/incidents/1?a=1&b="2"')).toBe(
      'https://status.example.com/incidents/1?a=1&amp;b=%222%22',
    );
    expect(safeHref('  http://example.com/')).toBe('http://example.com/');
    expect(safeHref('mailto:oncall@example.com')).toBe('mailto:oncall@example.com');
    for (const url of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      '\u0000javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '/relative/path',
      'not a url',
    ]) {
      expect(safeHref(url)).toBeUndefined();
    }
  });

  test('renderEmailHtml renders the facts of the incident and escapes every string', async () => {
    const [message] = await renderedMessages({ title: XSS_TITLE, service: 'shop<b>' });
    const html = renderEmailHtml(message!);
    expectOnlyLayoutTags(html);
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('<title>INC-');
    expect(html).toMatch(/>shop&lt;b&gt; \(production\)<\/td>/);
    // The first text line repeats the subject: it is the heading, not a paragraph.
    expect(html.split(escapeHtml(message!.subject)).length - 1).toBe(2); // <title> and <h1>
  });
});
