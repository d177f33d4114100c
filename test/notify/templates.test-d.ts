import {
  createIncidentKit,
  type MessageContent,
  type MessageTemplates,
  type NotifyingEntryType,
  type PublicTimelineEntry,
  type RenderedMessage,
  type TemplateEvent,
  type TemplateMessage,
  type TimelineEntry,
} from 'incidentkit';
import { expectTypeOf, test } from 'vitest';

test('templates are keyed by notifying events and audiences, with wildcards', () => {
  createIncidentKit({
    templates: {
      'incident.resolved': { customers: (_message, defaults) => ({ text: `${defaults.text}\nSorry.` }) },
      'incident.update_posted': { '*': async () => undefined },
      '*': { management: (_message, defaults) => ({ subject: `[exec] ${defaults.subject}` }) },
    },
  });
  // @ts-expect-error notes never notify, so no template is registered for them
  createIncidentKit({ templates: { 'incident.note': {} } });
  // @ts-expect-error events are spelled `incident.<entry type>`
  createIncidentKit({ templates: { resolved: {} } });
  // @ts-expect-error `customer` is no audience
  createIncidentKit({ templates: { '*': { customer: () => undefined } } });
  // @ts-expect-error a subject is text
  createIncidentKit({ templates: { '*': { '*': () => ({ subject: 42 }) } } });
  expectTypeOf<TemplateEvent>().toEqualTypeOf<`incident.${NotifyingEntryType}`>();
  expectTypeOf<keyof MessageTemplates>().toEqualTypeOf<TemplateEvent | '*'>();
});

test('a template gets a read-only message and the defaults; channels get the short line', () => {
  type Template = NonNullable<NonNullable<MessageTemplates['*']>['*']>;
  expectTypeOf<Parameters<Template>[0]>().toEqualTypeOf<TemplateMessage>();
  expectTypeOf<Parameters<Template>[1]>().toEqualTypeOf<Readonly<MessageContent>>();
  expectTypeOf<RenderedMessage['short']>().toEqualTypeOf<string>();
  // A public message's entry may be the public view: narrow on `type` before reading fields.
  expectTypeOf<RenderedMessage['payload']['entry']>().toEqualTypeOf<TimelineEntry | PublicTimelineEntry>();
  const entry = {} as RenderedMessage['payload']['entry'];
  if (entry.type === 'update_posted') expectTypeOf(entry.message).toEqualTypeOf<string>();
  // @ts-expect-error the resolution summary is not in a public entry
  if (entry.type === 'resolved') entry.resolution;
});
