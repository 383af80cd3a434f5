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

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24-hour)');
/** A category's own deadlines: in working days, or in clock hours for emergencies. */
const slaOverrideSchema = z
  .strictObject({
    first_response_days: z.number().positive().optional(),
    resolution_days: z.number().positive().optional(),
    first_response_hours: z.number().positive().optional(),
    resolution_hours: z.number().positive().optional(),
  })
  .refine(
    (o) => !(o.first_response_days && o.first_response_hours) && !(o.resolution_days && o.resolution_hours),
    'give a deadline in days or in hours, not both',
  );

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
    /** Working days: deadlines count only these (village time). */
    calendar: z
      .strictObject({
        work_days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
        /** The village's own days off (e.g. the village anniversary), as YYYY-MM-DD. */
        days_off: z.array(isoDate).default([]),
        /** Skip the shipped national holidays and cuti bersama (config/holidays-id.yaml). */
        national_holidays: z.boolean().default(true),
      })
      .prefault({}),
    /**
     * Response deadlines, modelled on SP4N-LAPOR!: a first response within `first_response_days`
     * working days of the report, and resolution (or a plan) within `resolution_days` working days
     * of it (3 + 5). Categories may set their own, in working days or in clock hours (bencana).
     */
    sla: z
      .strictObject({
        first_response_days: z.number().positive().default(3),
        resolution_days: z.number().positive().default(8),
        categories: z
          .partialRecord(z.enum(CATEGORIES), slaOverrideSchema)
          .default({ bencana: { first_response_hours: 2, resolution_hours: 24 } }),
      })
      .prefault({}),
    /** The daily reminder to assignees, escalation of overdue tickets, quiet hours. */
    reminders: z
      .strictObject({
        /** When each assignee gets the list of what is due or overdue (cron, village time; working days only). */
        schedule: z
          .string()
          .refine((expression) => cron.validate(expression), 'not a valid cron expression (e.g. "0 7 * * *")')
          .default('0 7 * * *'),
        /** Who an overdue ticket goes to, step by step (the assignee is skipped). */
        escalation: z.array(z.enum(ROLES)).default(['sekdes', 'kades', 'bpd_ketua']),
        /** Working days between two escalation steps (hour-based deadlines step by their first-response hours). */
        escalation_step_days: z.number().positive().default(1),
        /** Officers' notifications that are not urgent wait until the end of quiet hours (village time). */
        quiet_hours: z
          .strictObject({ start: clockTime, end: clockTime })
          .nullable()
          .default({ start: '21:00', end: '06:00' }),
      })
      .prefault({}),
    /** How long residents' personal data of finished tickets is kept before it is anonymised. */
    retention: z
      .strictObject({
        /** Months after a ticket was closed (or resolved) until its personal data is anonymised. */
        personal_data_months: z.number().int().min(1).max(240).default(24),
        /** When the daily anonymisation runs (cron, village time). */
        schedule: z
          .string()
          .refine((expression) => cron.validate(expression), 'not a valid cron expression (e.g. "15 3 * * *")')
          .default('15 3 * * *'),
      })
      .prefault({}),
    /** The daily backup of the database into DATA_DIR/backups. */
    backup: z
      .strictObject({
        /** When it runs (cron, village time); a day missed while the service was down is made up at start. */
        schedule: z
          .string()
          .refine((expression) => cron.validate(expression), 'not a valid cron expression (e.g. "30 2 * * *")')
          .default('30 2 * * *'),
        /** How many daily backups are kept; older ones are deleted. */
        keep: z.number().int().min(1).max(3650).default(14),
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
    throw new ConfigError(`Profil desa tidak valid / Invalid village profile\n  ${problems.join('\n  ')}`);
  }
  return { ...parsed.data, routing: { ...DEFAULT_ROUTING, ...parsed.data.routing }, source };
}

/** Reads and validates a profile file; the demo village when no path is given. */
export function loadProfile(path: string = DEMO_PROFILE_PATH): VillageProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Profil desa tidak dapat dibaca / Cannot read village profile ${path}: ${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(`Profil desa bukan YAML yang benar / the village profile is not valid YAML: ${path}: ${document.errors.map((e) => e.message).join('; ')}`);
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
