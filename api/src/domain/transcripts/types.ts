/** One cue of a transcript, searchable. */
export interface TranscriptSegment {
  tenantId: string;
  artifactId: string;
  seq: number;
  startMs: number;
  endMs: number;
  speaker: string | null;
  text: string;
}
