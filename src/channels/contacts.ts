import { ChannelError } from '../domain/errors.js';
import type { RenderedMessage } from '../ports/channel.js';

/**
 * The addresses of the contacts a message names (a route's `recipients`), for a channel that has
 * no recipients of its own. Contacts without the field are left out; a message that names no
 * contact, or none with the field, fails permanently: there is nobody to send it to, and
 * counting it as delivered would hide a routing mistake.
 */
export function contactAddresses(channel: string, message: RenderedMessage, field: 'email' | 'phone'): string[] {
  const contacts = message.payload.recipients ?? [];
  if (contacts.length === 0) {
    throw new ChannelError(
      channel,
      "no recipients: the message names no contacts (a route's `recipients`) and the channel has no `to` or `recipients`",
      { retryable: false },
    );
  }
  const addresses = contacts.flatMap((contact) => (contact[field] === undefined ? [] : [contact[field]]));
  if (addresses.length === 0) {
    const what = field === 'email' ? 'an email address' : 'a phone number';
    const ids = contacts.map((contact) => contact.id).join(', ');
    throw new ChannelError(channel, `no recipients: none of the message's contacts (${ids}) has ${what}`, {
      retryable: false,
    });
  }
  return [...new Set(addresses)];
}
