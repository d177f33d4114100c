import { z } from 'zod';

/** One mailbox, bare: `name@example.com` (no display name, list, comment or control character). */
export const BARE_EMAIL = /^[^\s@,;:<>()"[\]\\]+@[^\s@,;:<>()"[\]\\]+\.[^\s@,;:<>()"[\]\\]+$/;

/** An E.164 phone number: `+` and up to 15 digits. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** A phone number in E.164, as contacts and `smsChannel` take it. */
export const PhoneSchema = z.string().regex(E164, 'Must be an E.164 number, e.g. +14155550100');

/** A recipient as an outbox message records it: what a channel needs to reach the contact. */
export interface MessageRecipient {
  /** The contact's id in the kit's `contacts`. */
  id: string;
  name?: string;
  email?: string;
  phone?: string;
}

/** The field of a contact a channel sends to. */
export type ContactField = 'email' | 'phone';
