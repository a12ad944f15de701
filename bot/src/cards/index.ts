export { VERBS } from './verbs';
export type {
  ChooseContactData,
  CreateContactData,
  DraftActionData,
  MeetingActionData,
  Verb,
} from './verbs';
export type {
  ContactChoiceView,
  CreateContactView,
  DraftEditView,
  DraftView,
  MeetingCardState,
  MeetingListView,
  MeetingView,
  RescheduleView,
  Tone,
} from './views';
export { CARD_BYTES_MAX, attachment, cardBytes } from './render';
export type { Card } from './render';
export {
  CHOICES_SHOWN,
  contactChoiceCard,
  createContactCard,
  draftEditCard,
  previewCard,
} from './draft-cards';
export {
  LIST_ROWS_SHOWN,
  REFRESH_USERS_MAX,
  cancelConfirmCard,
  meetingCard,
  meetingListCard,
  noticeCard,
  rescheduleCard,
} from './meeting-cards';
export { ATTENDEES_SHOWN } from './text';
