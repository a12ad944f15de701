/** How to read a command: the instant it was sent and the sender's IANA time zone. */
export interface ParseOptions {
  now: Date;
  /** IANA zone, already validated by the caller. */
  timeZone: string;
}

/** A meeting named by the code on its card or by its number in the user's last `meetings` list. */
export type MeetingRef = { type: 'code'; code: string } | { type: 'index'; index: number };

export type Command =
  | {
      kind: 'schedule';
      subject: string;
      who: string[];
      start: Date;
      end: Date;
      durationMinutes: number;
      timeZone: string;
    }
  | { kind: 'meetings' }
  | {
      kind: 'reschedule';
      meeting: MeetingRef;
      start: Date;
      /** null: keep the meeting's length. */
      end: Date | null;
      durationMinutes: number | null;
      timeZone: string;
    }
  | { kind: 'cancel'; meeting: MeetingRef }
  | { kind: 'refresh'; meeting: MeetingRef }
  | { kind: 'help' };

export type ParseErrorCode =
  | 'too_long'
  | 'unknown_command'
  | 'missing_subject'
  | 'missing_who'
  | 'missing_time'
  | 'bad_time'
  | 'past_time'
  | 'bad_duration'
  | 'missing_meeting'
  | 'bad_meeting';

export interface ParseError {
  kind: 'error';
  code: ParseErrorCode;
  /** One or two friendly sentences with a working example; echoes at most 60 chars of input. */
  message: string;
}

/** One bot command, as listed in the app manifest and in `help`. */
export interface CommandSpec {
  name: string;
  usage: string;
  /** <= 32 chars: Teams inserts it into the compose box, so it is the command word itself. */
  title: string;
  /** <= 128 chars. */
  description: string;
  example: string;
}
