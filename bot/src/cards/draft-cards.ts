import { type Card, expand } from './render';
import {
  contactChoiceTemplate,
  createContactTemplate,
  draftEditTemplate,
  previewTemplate,
} from './templates/draft';
import { MAX, attendeeLines, clip, shown } from './text';
import type { ContactChoiceView, CreateContactView, DraftEditView, DraftView } from './views';

/** Choices beyond this are not shown; the domain already ranks and caps them. */
export const CHOICES_SHOWN = 10;
/** Ten choices must fit one card, so their lines are clipped harder than elsewhere. */
const CHOICE = { email: 100, client: 100, button: 30 } as const;

function draftData(v: DraftView) {
  const { lines, more } = attendeeLines(v.attendees);
  return {
    draftId: v.draftId,
    subject: shown(v.subject),
    when: shown(v.when, MAX.when),
    duration: shown(v.duration, MAX.word),
    timeZone: shown(v.timeZone, MAX.word),
    client: shown(v.client),
    hasClient: Boolean(v.client),
    attendeesTitle: v.attendees.length > 0 ? `Attendees (${v.attendees.length})` : 'No attendees',
    attendees: lines,
    attendeesMore: more,
    hasMore: more !== '',
    notice: shown(v.notice, MAX.sentence),
    hasNotice: Boolean(v.notice),
  };
}

/** The draft as it would be created: Create / Edit / Discard. */
export function previewCard(v: DraftView): Card {
  return expand(previewTemplate, draftData(v));
}

/** A form for the draft's subject, date, time and duration: Update preview / Discard. */
export function draftEditCard(v: DraftEditView): Card {
  return expand(draftEditTemplate, {
    ...draftData(v),
    // An input value is plain text sent back as typed, so it is clipped but not made inert.
    subjectValue: v.subject.slice(0, MAX.subject),
    date: v.date,
    time: v.time,
    durationMinutes: v.durationMinutes,
    error: shown(v.error, MAX.sentence),
    hasError: Boolean(v.error),
  });
}

/** "Which <query>?" with one button per candidate contact, and Discard. */
export function contactChoiceCard(v: ContactChoiceView): Card {
  return expand(contactChoiceTemplate, {
    draftId: v.draftId,
    who: v.who,
    query: shown(v.query, MAX.name),
    choices: v.choices.slice(0, CHOICES_SHOWN).map((c) => ({
      contactId: c.contactId,
      name: shown(c.name, MAX.name),
      detail: [shown(c.email, CHOICE.email), shown(c.client, CHOICE.client)]
        .filter(Boolean)
        .join(' · '),
      button: `Choose ${shown(clip(c.name, CHOICE.button))}`,
    })),
  });
}

/** Offers to add an unknown attendee as a contact of the matching (or a new) client. */
export function createContactCard(v: CreateContactView): Card {
  return expand(createContactTemplate, {
    draftId: v.draftId,
    who: v.who,
    email: shown(v.email, MAX.email),
    client: shown(v.client),
    clientIsNew: v.clientIsNew,
  });
}
