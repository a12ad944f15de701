import type { StoredArtifact, TranscriptLine } from './meeting-store';

/**
 * Transcript content as Teams produces it (graph-contract §5.3): WebVTT with cue ids
 * `{guid}/{n}-0` and `<v Speaker>` voice spans; `metadataContent` carries one JSON object per cue.
 */

const SENTENCES = [
  "Let's start with the pipeline numbers for this quarter.",
  'The enterprise segment is up eleven percent.',
  'Renewals are on track, two accounts still need a follow-up.',
  'Can we move the onboarding workshop to next week?',
  'I will send the updated proposal by Friday.',
  'The ticket backlog dropped below forty for the first time.',
  'We should review the service levels for the new sites.',
  'Budget approval is expected at the end of the month.',
  'Please add the migration risks to the project plan.',
  'Thanks everyone, that covers the agenda for today.',
];

/** `HH:MM:SS.mmm` (negative offsets, which Teams can emit, keep their sign). */
export function vttTimestamp(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(Math.round(ms));
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${sign}${pad(h)}:${pad(m)}:${pad(s)}.${pad(abs % 1000, 3)}`;
}

/** Cue text escaped for WebVTT; line breaks become spaces (a blank line would end the cue). */
export function escapeCueText(s: string): string {
  return s
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Default lines: the speakers take turns reading a fixed script, one cue every five seconds. */
export function defaultLines(speakers: string[], count: number): TranscriptLine[] {
  const who = speakers.length > 0 ? speakers : ['Speaker 1'];
  return Array.from({ length: count }, (_, i) => {
    const startMs = 3120 + i * 5000;
    return {
      speaker: who[i % who.length],
      text: SENTENCES[i % SENTENCES.length],
      startMs,
      endMs: startMs + 4360,
    };
  });
}

export function transcriptVtt(a: StoredArtifact): string {
  const cues = a.lines.map(
    (l, i) =>
      `${a.cueGuid}/${14 + i}-0\n${vttTimestamp(l.startMs)} --> ${vttTimestamp(l.endMs)}\n` +
      `<v ${escapeCueText(l.speaker)}>${escapeCueText(l.text)}</v>`,
  );
  return ['WEBVTT', ...cues].join('\n\n') + '\n';
}

/** `+00:00` offsets with 7 fractional digits, as the metadata samples show. */
function metadataTime(base: number, offsetMs: number): string {
  return `${new Date(base + offsetMs).toISOString().slice(0, 23)}0000+00:00`;
}

export function metadataVtt(a: StoredArtifact): string {
  const base = Date.parse(a.createdDateTime);
  const cues = a.lines.map((l) => {
    const payload = JSON.stringify({
      startDateTime: metadataTime(base, l.startMs),
      endDateTime: metadataTime(base, l.endMs),
      speakerName: l.speaker,
      spokenText: l.text,
      spokenLanguage: 'en-us',
    });
    return `${vttTimestamp(l.startMs)} --> ${vttTimestamp(l.endMs)}\n${payload}`;
  });
  return ['WEBVTT', ...cues].join('\n\n') + '\n';
}
