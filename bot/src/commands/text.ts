/** Drops trailing characters in `chars`; a loop, as `/[…]+$/` backtracks quadratically on 4 KB. */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1])) end--;
  return text.slice(0, end);
}

/** Drops trailing words matching `word` (anchored at the end, matching a short suffix) repeatedly. */
export function trimEndWords(text: string, word: RegExp): string {
  let rest = text;
  for (;;) {
    const tail = rest.slice(-24);
    const m = word.exec(tail);
    if (!m) return rest;
    rest = rest.slice(0, rest.length - m[0].length);
  }
}
