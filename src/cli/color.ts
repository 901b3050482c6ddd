import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Colour only for a person at a terminal: never on a pipe, in JSON, or with NO_COLOR set (no-color.org). */
export function painter(stream: NodeJS.WriteStream = process.stdout): (style: Style, text: string) => string {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return on ? (style, text) => styleText(style, text) : (_style, text) => text;
}
