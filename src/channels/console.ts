import type { Channel, RenderedMessage } from '../ports/channel.js';

/** Options of {@link consoleChannel}. */
export interface ConsoleChannelOptions {
  /** Channel name. Default `console`. */
  name?: string;
  /** Where lines go. Default `console.log`. */
  write?: (line: string) => void;
}

/** Prints each message's subject (and audience) on one line: for development. */
export function consoleChannel(options: ConsoleChannelOptions = {}): Channel {
  const write = options.write ?? ((line: string) => console.log(line));
  return {
    name: options.name ?? 'console',
    async send(message: RenderedMessage) {
      write(`[${message.audience}] ${message.subject}`);
    },
  };
}
