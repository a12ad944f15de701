import { VERBS } from '../verbs';
import {
  DRAFT_DATA,
  cardTemplate,
  errorLine,
  execute,
  heading,
  lineWhen,
  scheduleInputs,
} from './common';

const attendees = [
  { type: 'TextBlock', text: '${attendeesTitle}', weight: 'bolder', spacing: 'medium', wrap: true },
  { type: 'TextBlock', text: '${line}', wrap: true, spacing: 'none', $data: '${attendees}' },
  lineWhen('hasMore', '${attendeesMore}', { isSubtle: true, spacing: 'none' }),
];

const notice = lineWhen('hasNotice', '${notice}', { isSubtle: true, size: 'small' });
const discard = execute('Discard', VERBS.draftDiscard, DRAFT_DATA, 'none');

export const previewTemplate = cardTemplate(
  [
    { type: 'TextBlock', text: 'Draft meeting', isSubtle: true, size: 'small' },
    heading('${subject}'),
    {
      type: 'FactSet',
      facts: [
        { title: 'When', value: '${when}' },
        { title: 'Duration', value: '${duration}' },
        { title: 'Time zone', value: '${timeZone}' },
        { title: 'Client', value: '${client}', $when: '${hasClient}' },
      ],
    },
    ...attendees,
    notice,
  ],
  [
    execute('Create', VERBS.draftCreate, DRAFT_DATA),
    execute('Edit', VERBS.draftEdit, DRAFT_DATA),
    discard,
  ],
);

export const draftEditTemplate = cardTemplate(
  [
    heading('Edit draft'),
    errorLine,
    {
      type: 'Input.Text',
      id: 'subject',
      label: 'Subject',
      value: '${subjectValue}',
      maxLength: 255,
      isRequired: true,
      errorMessage: 'Enter a subject of up to 255 characters.',
    },
    ...scheduleInputs('Start time (${timeZone})'),
    ...attendees,
    notice,
  ],
  [execute('Update preview', VERBS.draftUpdate, DRAFT_DATA, 'auto'), discard],
);

export const contactChoiceTemplate = cardTemplate(
  [
    heading('Which ${query}?'),
    {
      type: 'Container',
      $data: '${choices}',
      separator: true,
      items: [
        { type: 'TextBlock', text: '${name}', weight: 'bolder', wrap: true },
        { type: 'TextBlock', text: '${detail}', isSubtle: true, spacing: 'none', wrap: true },
        {
          type: 'ActionSet',
          actions: [
            execute('${button}', VERBS.draftChooseContact, {
              ...DRAFT_DATA,
              who: '${$root.who}',
              contactId: '${contactId}',
            }),
          ],
        },
      ],
    },
  ],
  [discard],
);

export const createContactTemplate = cardTemplate(
  [
    { type: 'TextBlock', text: '${email} is not a contact yet.', wrap: true },
    { type: 'TextBlock', text: 'Add them under ${client}?', wrap: true, spacing: 'none' },
    lineWhen('clientIsNew', '${client} is not a client yet; adding the contact creates it.', {
      isSubtle: true,
    }),
  ],
  [
    execute('Add contact', VERBS.draftCreateContact, { ...DRAFT_DATA, who: '${$root.who}' }),
    discard,
  ],
);
