// The village profile: officers, roles, dusun gazetteer, routing and schedules, from YAML.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { CATEGORIES, DEFAULT_ROUTING, ROLES, type Category, type Role } from '../core/domain.ts';
import { ConfigError, type Env } from './env.ts';

export const DEMO_PROFILE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'village.example.yaml');

const slug = z.string().regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, _ or -');

const contactSchema = z.strictObject({
  channel: slug,
  id: z.string().min(1),
});

const officerSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  role: z.enum(ROLES),
  dusun: slug.optional(),
  /** Other ways residents name this officer ("pak Hartono", "pak lurah"). */
  aliases: z.array(z.string().min(2)).default([]),
  contacts: z.array(contactSchema).default([]),
});

const rwSchema = z.strictObject({
  number: z.number().int().positive(),
  rt: z.array(z.number().int().positive()).min(1),
});

const dusunSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  aliases: z.array(z.string().min(2)).default([]),
  rw: z.array(rwSchema).default([]),
});

const chatSchema = z.strictObject({ channel: slug, chat: z.string().min(1) });

const profileSchema = z
  .strictObject({
    village: z.strictObject({
      id: slug,
      name: z.string().min(1),
      kecamatan: z.string().min(1),
      kabupaten: z.string().min(1),
      code_prefix: z.string().regex(/^[A-Z]{2,5}$/, 'two to five capital letters'),
      timezone: z.string().default('Asia/Jakarta'),
    }),
    dusun: z.array(dusunSchema).min(1),
    officers: z.array(officerSchema).min(1),
    routing: z.partialRecord(z.enum(CATEGORIES), z.array(z.enum(ROLES)).min(1)).default({}),
    triage: z
      .strictObject({
        confidence_threshold: z.number().min(0).max(1).default(0.5),
        queue_roles: z.array(z.enum(ROLES)).min(1).default(['sekdes']),
        chats: z.array(chatSchema).default([]),
      })
      .prefault({}),
    threading: z
      .strictObject({
        window_minutes: z.number().int().min(0).default(240),
      })
      .prefault({}),
    classifier: z
      .strictObject({
        /** Retrain from the shipped set plus officers' corrections on a schedule (cron, village time). */
        retrain_weekly: z.boolean().default(false),
        retrain_schedule: z
          .string()
          .refine((expression) => cron.validate(expression), 'not a valid cron expression (e.g. "0 3 * * 1")')
          .default('0 3 * * 1'),
      })
      .prefault({}),
    sla: z
      .strictObject({
        first_response_days: z.number().positive().default(3),
        resolution_days: z.number().positive().default(8),
      })
      .prefault({}),
    summary: z
      .strictObject({
        /** When the weekly public summary of the previous week is posted (cron, village time). */
        schedule: z
          .string()
          .refine((expression) => cron.validate(expression), 'not a valid cron expression (e.g. "0 8 * * 1")')
          .default('0 8 * * 1'),
        /** Where it is posted: public channels and groups ({ channel, chat }); none by default. */
        targets: z
          .array(
            chatSchema
              .extend({
                /** Which text variant the target gets; by default chosen from the channel (x, whatsapp*, else plain). */
                format: z.enum(['x', 'telegram', 'whatsapp']).optional(),
              })
              // Decided here, where channels are known by name, so core only reads the format.
              .transform((target) => ({
                ...target,
                format: target.format ?? (target.channel === 'x' ? 'x' : target.channel.startsWith('whatsapp') ? 'whatsapp' : 'telegram'),
              })),
          )
          .default([]),
      })
      .prefault({}),
  })
  .superRefine((profile, ctx) => {
    const dusunIds = new Set(profile.dusun.map((d) => d.id));
    const officerIds = new Set<string>();
    const contactKeys = new Map<string, string>();
    profile.officers.forEach((officer, i) => {
      if (officerIds.has(officer.id)) {
        ctx.addIssue({ code: 'custom', path: ['officers', i, 'id'], message: `duplicate officer id '${officer.id}'` });
      }
      officerIds.add(officer.id);
      if (officer.role === 'kadus' && !officer.dusun) {
        ctx.addIssue({ code: 'custom', path: ['officers', i, 'dusun'], message: 'a kadus needs the id of their dusun' });
      }
      if (officer.dusun && !dusunIds.has(officer.dusun)) {
        ctx.addIssue({
          code: 'custom',
          path: ['officers', i, 'dusun'],
          message: `dusun '${officer.dusun}' is not in the dusun list (${[...dusunIds].join(', ')})`,
        });
      }
      officer.contacts.forEach((contact, j) => {
        const key = `${contact.channel}:${contact.id}`;
        const owner = contactKeys.get(key);
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            path: ['officers', i, 'contacts', j],
            message: `${key} is already the contact of officer '${owner}'`,
          });
        }
        contactKeys.set(key, officer.id);
      });
    });
    for (const role of ['kades', 'bpd_ketua'] as const) {
      if (!profile.officers.some((officer) => officer.role === role)) {
        ctx.addIssue({ code: 'custom', path: ['officers'], message: `the village needs an officer with role '${role}'` });
      }
    }
    const rwOwners = new Map<number, string>();
    profile.dusun.forEach((dusun, i) => {
      dusun.rw.forEach((rw, j) => {
        const owner = rwOwners.get(rw.number);
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            path: ['dusun', i, 'rw', j, 'number'],
            message: `RW ${rw.number} already belongs to dusun '${owner}'`,
          });
        }
        rwOwners.set(rw.number, dusun.id);
      });
    });
  });

export type ProfileInput = z.input<typeof profileSchema>;
type ParsedProfile = z.output<typeof profileSchema>;
export type Officer = ParsedProfile['officers'][number];
export type Dusun = ParsedProfile['dusun'][number];
export type ChatRef = z.infer<typeof chatSchema>;
export type SummaryTarget = ParsedProfile['summary']['targets'][number];

export interface VillageProfile extends Omit<ParsedProfile, 'routing'> {
  /** Complete routing table: the profile's entries over DESIGN.md's defaults. */
  routing: Record<Category, Role[]>;
  source: string;
}

/** Validates an already parsed profile object; `source` names the file in error messages. */
export function parseProfile(input: unknown, source: string): VillageProfile {
  const parsed = profileSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
      return `${source}: ${path.replace(/^\./, '') || '(root)'}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid village profile\n  ${problems.join('\n  ')}`);
  }
  return { ...parsed.data, routing: { ...DEFAULT_ROUTING, ...parsed.data.routing }, source };
}

/** Reads and validates a profile file; the demo village when no path is given. */
export function loadProfile(path: string = DEMO_PROFILE_PATH): VillageProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read village profile ${path}: ${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(`${path}: YAML error: ${document.errors.map((e) => e.message).join('; ')}`);
  }
  return parseProfile(document.toJS(), path);
}

/**
 * An officers' group given in the environment (TELEGRAM_TRIAGE_CHAT_ID, WHATSAPP_TRIAGE_GROUP_ID) replaces the profile's
 * groups on that channel, so a village can try the bot without editing its profile.
 */
export function withEnvTriageChats(profile: VillageProfile, env: Pick<Env, 'telegram' | 'whatsapp'>): VillageProfile {
  const overrides = [
    ...(env.telegram?.triageChatId ? [{ channel: 'telegram', chat: env.telegram.triageChatId }] : []),
    ...(env.whatsapp?.triageGroupId ? [{ channel: 'whatsapp', chat: env.whatsapp.triageGroupId }] : []),
  ];
  if (overrides.length === 0) return profile;
  const replaced = new Set(overrides.map((chat) => chat.channel));
  const chats = [...profile.triage.chats.filter((chat) => !replaced.has(chat.channel)), ...overrides];
  return { ...profile, triage: { ...profile.triage, chats } };
}

/**
 * The profile as the running service uses it: officers' groups and summary targets on channels that
 * are not enabled are left out (nothing would ever deliver there), and each officer's contacts on enabled
 * channels come first, since notifications go to the first one.
 */
export function forEnabledChannels(profile: VillageProfile, enabled: ReadonlySet<string>): VillageProfile {
  const rank = (channel: string) => (enabled.has(channel) ? 0 : 1);
  return {
    ...profile,
    officers: profile.officers.map((officer) => ({
      ...officer,
      contacts: [...officer.contacts].sort((a, b) => rank(a.channel) - rank(b.channel)),
    })),
    triage: { ...profile.triage, chats: profile.triage.chats.filter((chat) => enabled.has(chat.channel)) },
    summary: { ...profile.summary, targets: profile.summary.targets.filter((target) => enabled.has(target.channel)) },
  };
}
