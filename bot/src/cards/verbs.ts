/** Verbs of every Action.Execute on our cards; the bot receives them on invoke `adaptiveCard/action`. */
export const VERBS = {
  draftCreate: 'draft.create',
  draftEdit: 'draft.edit',
  draftUpdate: 'draft.update',
  draftDiscard: 'draft.discard',
  draftChooseContact: 'draft.chooseContact',
  draftCreateContact: 'draft.createContact',
  meetingReschedule: 'meeting.reschedule',
  meetingRescheduleSubmit: 'meeting.rescheduleSubmit',
  meetingCancel: 'meeting.cancel',
  meetingCancelConfirm: 'meeting.cancelConfirm',
  meetingRefresh: 'meeting.refresh',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];

/** Data of the draft verbs. */
export interface DraftActionData {
  draftId: string;
}

/** Data of `draft.chooseContact`: `who` is the index of the unresolved attendee. */
export interface ChooseContactData extends DraftActionData {
  who: number;
  contactId: string;
}

/** Data of `draft.createContact`. */
export interface CreateContactData extends DraftActionData {
  who: number;
}

/** Data of the meeting verbs: `v` is the meeting version the card showed. */
export interface MeetingActionData {
  meetingId: string;
  v: number;
}
