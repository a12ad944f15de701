import { VERBS } from '../verbs';
import {
  MEETING_DATA,
  cardTemplate,
  errorLine,
  execute,
  heading,
  lineWhen,
  openUrl,
  scheduleInputs,
} from './common';

const facts = {
  type: 'FactSet',
  facts: [
    { title: 'When', value: '${when}' },
    { title: 'Contact', value: '${contact}', $when: '${hasContact}' },
    { title: 'Client', value: '${client}', $when: '${hasClient}' },
    { title: 'Code', value: '${code}' },
    { title: 'Transcript', value: '${transcript}', $when: '${showArtifacts}' },
    { title: 'Recording', value: '${recording}', $when: '${showArtifacts}' },
  ],
};

const back = (title: string) => execute(title, VERBS.meetingRefresh, MEETING_DATA, 'none');

export const meetingTemplate = cardTemplate(
  [
    heading('${subject}'),
    {
      type: 'TextBlock',
      text: '${stateLine}',
      color: '${stateTone}',
      weight: 'bolder',
      wrap: true,
    },
    facts,
    errorLine,
    lineWhen('hasUpdatedNote', '${updatedNote}', { isSubtle: true, size: 'small' }),
  ],
  [
    openUrl('Join', '${joinUrl}', '${hasJoin}'),
    openUrl('Open interaction', '${interactionUrl}'),
    { ...execute('Reschedule', VERBS.meetingReschedule, MEETING_DATA), $when: '${canReschedule}' },
    { ...execute('Cancel', VERBS.meetingCancel, MEETING_DATA), $when: '${canCancel}' },
    back('Refresh'),
  ],
  {
    // Teams re-fetches the card for these users when they view it and it is over a minute old.
    refresh: {
      action: { type: 'Action.Execute', verb: VERBS.meetingRefresh, data: MEETING_DATA },
      userIds: '${refreshUserIds}',
    },
  },
);

export const rescheduleTemplate = cardTemplate(
  [heading('Move ${subject}'), facts, errorLine, ...scheduleInputs('Start time')],
  [execute('Move', VERBS.meetingRescheduleSubmit, MEETING_DATA, 'auto'), back('Back')],
);

export const cancelConfirmTemplate = cardTemplate(
  [
    heading('Cancel ${subject}?'),
    { type: 'TextBlock', text: 'Attendees get a cancellation.', wrap: true },
    facts,
    errorLine,
  ],
  [execute('Cancel meeting', VERBS.meetingCancelConfirm, MEETING_DATA), back('Keep it')],
);

export const meetingListTemplate = cardTemplate([
  heading('${title}'),
  {
    type: 'Container',
    $data: '${rows}',
    separator: true,
    items: [
      { type: 'TextBlock', text: '**${n}.** ${subject}', wrap: true },
      { type: 'TextBlock', text: '${detail}', isSubtle: true, spacing: 'none', wrap: true },
    ],
  },
  lineWhen('isEmpty', '${empty}', { isSubtle: true }),
  lineWhen('hasRows', 'Say, for example, "cancel ${firstN}".', { isSubtle: true, size: 'small' }),
]);

export const noticeTemplate = cardTemplate([
  { type: 'TextBlock', text: '${text}', color: '${tone}', wrap: true },
]);
