import { VERBS } from '../verbs';
import { MEETING_DATA, cardTemplate, execute, heading, lineWhen, openUrl } from './common';

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

const error = lineWhen('hasError', '${error}', { color: 'attention', weight: 'bolder' });
const back = (title: string) => execute(title, VERBS.meetingRefresh, MEETING_DATA, 'none');

const schedule = [
  {
    type: 'Input.Date',
    id: 'date',
    label: 'Date',
    value: '${date}',
    isRequired: true,
    errorMessage: 'Enter a date.',
  },
  {
    type: 'Input.Time',
    id: 'time',
    label: 'Start time',
    value: '${time}',
    isRequired: true,
    errorMessage: 'Enter a start time.',
  },
  {
    type: 'Input.Number',
    id: 'durationMinutes',
    label: 'Duration (minutes)',
    value: '${durationMinutes}',
    min: 5,
    max: 1440,
    isRequired: true,
    errorMessage: 'Enter a duration from 5 to 1440 minutes.',
  },
];

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
    error,
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
  [heading('Move ${subject}'), facts, error, ...schedule],
  [execute('Move', VERBS.meetingRescheduleSubmit, MEETING_DATA, 'auto'), back('Back')],
);

export const cancelConfirmTemplate = cardTemplate(
  [
    heading('Cancel ${subject}?'),
    { type: 'TextBlock', text: 'Attendees get a cancellation.', wrap: true },
    facts,
    error,
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
