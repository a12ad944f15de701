export { parseCommand, MAX_COMMAND_BYTES } from './grammar';
export { formatMeetingCode } from './meeting-ref';
export { COMMANDS, helpText } from './specs';
export type {
  Command,
  CommandSpec,
  MeetingRef,
  ParseError,
  ParseErrorCode,
  ParseOptions,
} from './types';
