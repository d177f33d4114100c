import type { Audience } from '../domain/timeline.js';

// Audience groups: who a message is for decides what it may carry and how it is worded.

/** Audiences outside the organisation: their messages never say who works on the incident. */
export const PUBLIC_AUDIENCES: ReadonlySet<Audience> = new Set<Audience>(['customers', 'reporter']);

/** Audiences that get the business summary rather than the responders' operational detail. */
export const BUSINESS_AUDIENCES: ReadonlySet<Audience> = new Set<Audience>(['stakeholders', 'management']);
