import { z } from 'zod';
import { BARE_EMAIL, type MessageRecipient, PhoneSchema } from '../domain/contact.js';
import { customIssue, optionIssues, ValidationError } from '../domain/errors.js';
import { addBusinessTime, type Calendar, defineCalendar, WEEKDAYS, type Weekday } from '../sla/calendar.js';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Hours during which a contact gets no low-urgency message: every day from `start` to `end`
 * (local time in the contact's `timeZone`; `22:00` to `07:00` spans midnight), and all day on
 * the `days` listed. High-urgency messages ignore them.
 */
export const QuietHoursSchema = z.strictObject({
  start: z.string().regex(HHMM, 'Expected HH:MM, 00:00 to 23:59'),
  end: z.string().regex(HHMM, 'Expected HH:MM, 00:00 to 23:59'),
  /** Whole days without low-urgency messages, e.g. `['saturday', 'sunday']`. */
  days: z.array(z.enum(WEEKDAYS)).max(6).optional(),
});

/** A person (or a shared mailbox) that routes can name as a recipient. */
export const ContactSchema = z.strictObject({
  /** Shown in messages and explanations. Default: the contact's id. */
  name: z.string().trim().min(1).max(200).optional(),
  /** Used by `emailChannel` when the channel has no `to` or `recipients` of its own. */
  email: z.string().trim().max(320).regex(BARE_EMAIL, 'Must be one bare address, e.g. ana@example.com').optional(),
  /** Used by `smsChannel` when the channel has no `to` or `recipients` of its own. E.164. */
  phone: PhoneSchema.optional(),
  /** IANA time zone of `quietHours`. Default `UTC`. */
  timeZone: z.string().min(1).max(100).optional(),
  quietHours: QuietHoursSchema.optional(),
});

/** A contact as you write it in the kit's `contacts` option. */
export type ContactInput = z.input<typeof ContactSchema>;

/** A contact as the kit keeps it: validated, with its quiet hours compiled to a calendar. */
export interface Contact {
  id: string;
  name?: string;
  email?: string;
  phone?: string;
  /** When low-urgency messages may reach the contact; absent: always. */
  reachable?: Calendar;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m: number) =>
  m === 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The hours outside `quiet`, as business windows per weekday. */
function reachableWindows(
  quiet: z.output<typeof QuietHoursSchema>,
): Partial<Record<Weekday, { start: string; end: string }[]>> {
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const open =
    start < end
      ? [
          [0, start],
          [end, 1440],
        ]
      : [[end, start]];
  const daily = open.filter(([a, b]) => b! > a!).map(([a, b]) => ({ start: hhmm(a!), end: hhmm(b!) }));
  const quietDays = new Set(quiet.days ?? []);
  return Object.fromEntries(WEEKDAYS.filter((day) => !quietDays.has(day)).map((day) => [day, daily]));
}

/**
 * Validates the kit's `contacts` option and compiles quiet hours. Issues are reported under
 * `contacts.<id>` (e.g. `contacts.ana.timeZone` for an unknown zone).
 */
export function resolveContacts(contacts: Record<string, ContactInput> | undefined): Map<string, Contact> {
  const map = new Map<string, Contact>();
  if (contacts === undefined) return map;
  const parsed = z.record(z.string().trim().min(1).max(200), ContactSchema).safeParse(contacts);
  if (!parsed.success) throw optionIssues('contacts', parsed.error.issues);
  const issues: z.core.$ZodIssue[] = [];
  for (const [id, input] of Object.entries(parsed.data)) {
    const contact: Contact = { id, ...(input.name === undefined ? {} : { name: input.name }) };
    if (input.email !== undefined) contact.email = input.email;
    if (input.phone !== undefined) contact.phone = input.phone;
    const { quietHours } = input;
    if (quietHours !== undefined) {
      if (quietHours.start === quietHours.end) {
        issues.push(customIssue([id, 'quietHours', 'end'], 'Quiet hours must end at another time than they start'));
        continue;
      }
      try {
        contact.reachable = defineCalendar({
          name: `quiet hours of ${id}`,
          timeZone: input.timeZone ?? 'UTC',
          windows: reachableWindows(quietHours),
        });
      } catch (error) {
        if (!ValidationError.isInstance(error)) throw error;
        for (const issue of error.issues) {
          issues.push({ ...issue, path: [id, issue.path[0] === 'timeZone' ? 'timeZone' : 'quietHours'] });
        }
        continue;
      }
    } else if (input.timeZone !== undefined) {
      // Checked even without quiet hours, so that a typo does not wait for the day they are added.
      try {
        defineCalendar({ timeZone: input.timeZone, alwaysOpen: true });
      } catch (error) {
        if (!ValidationError.isInstance(error)) throw error;
        issues.push(...error.issues.map((issue) => ({ ...issue, path: [id, ...issue.path] })));
        continue;
      }
    }
    map.set(id, contact);
  }
  if (issues.length > 0) throw optionIssues('contacts', issues);
  return map;
}

/** The earliest instant at or after `now` at which a low-urgency message may reach `contact`. */
export function reachableFrom(contact: Contact, now: number): number {
  if (contact.reachable === undefined) return now;
  // One business millisecond after `now` ends one millisecond after the first reachable instant.
  return addBusinessTime(now, 1, contact.reachable) - 1;
}

/** What an outbox message records of a contact. */
export function messageRecipient(contact: Contact): MessageRecipient {
  const { id, name, email, phone } = contact;
  return {
    id,
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
    ...(phone === undefined ? {} : { phone }),
  };
}
