import {
  cancelConfirmCard,
  meetingCard,
  meetingListCard,
  noticeCard,
  rescheduleCard,
} from '../../bot/src/cards';
import {
  actionsOf,
  body,
  byTitle,
  facts,
  meeting,
  scheduleInputsLike,
  titles,
} from '../helpers/card-fixtures';

const data = { meetingId: 'm-1', v: 3 };

describe('the meeting card', () => {
  it('shows the meeting and offers Join, Open interaction, Reschedule, Cancel and Refresh', () => {
    const card = meetingCard(meeting);
    expect(titles(card)).toEqual(['Join', 'Open interaction', 'Reschedule', 'Cancel', 'Refresh']);
    expect(byTitle(card, 'Join')).toEqual({
      type: 'Action.OpenUrl',
      title: 'Join',
      url: meeting.joinUrl,
    });
    expect(byTitle(card, 'Open interaction')).toMatchObject({ url: meeting.interactionUrl });
    expect(byTitle(card, 'Reschedule')).toMatchObject({ verb: 'meeting.reschedule', data });
    expect(byTitle(card, 'Cancel')).toMatchObject({ verb: 'meeting.cancel', data });
    expect(byTitle(card, 'Refresh')).toMatchObject({ verb: 'meeting.refresh', data });
    expect(facts(card)).toEqual({
      When: meeting.when,
      Contact: 'Jane Smith',
      Client: 'Acme',
      Code: '3F9A2C',
    });
    expect(body(card)).toContainEqual(expect.objectContaining({ text: 'Scheduled' }));
    expect(body(card)).toContainEqual(expect.objectContaining({ text: 'Updated 15:02' }));
  });

  it('refreshes itself for the listed users, at most 60', () => {
    expect(meetingCard(meeting).refresh).toEqual({
      action: { type: 'Action.Execute', verb: 'meeting.refresh', data },
      userIds: ['29:1abc', '29:1def'],
    });
    const many = Array.from({ length: 200 }, (_, i) => `29:${i}`);
    const { refresh } = meetingCard({ ...meeting, refreshUserIds: many }) as {
      refresh: { userIds: string[] };
    };
    expect(refresh.userIds).toEqual(many.slice(0, 60));
    expect(meetingCard({ ...meeting, refreshUserIds: [] }).refresh).toMatchObject({ userIds: [] });
  });

  it('leaves out Join without a join URL, and Reschedule or Cancel when not allowed', () => {
    const card = meetingCard({ ...meeting, joinUrl: null, canReschedule: false, canCancel: false });
    expect(titles(card)).toEqual(['Open interaction', 'Refresh']);
    expect(JSON.stringify(card)).not.toContain('meetup-join');
    expect(titles(meetingCard({ ...meeting, canCancel: false }))).not.toContain('Cancel');
    expect(titles(meetingCard({ ...meeting, canReschedule: false }))).not.toContain('Reschedule');
  });

  it('carries the version it showed, so a stale click can be refused', () => {
    const card = meetingCard({ ...meeting, version: 0 });
    expect(byTitle(card, 'Cancel').data).toEqual({ meetingId: 'm-1', v: 0 });
  });

  it('shows transcript and recording once the meeting has happened', () => {
    const ended = { ...meeting, state: 'capturing' as const, transcriptReady: true };
    expect(facts(meetingCard(ended))).toMatchObject({
      Transcript: 'Ready (open the interaction)',
      Recording: 'Not yet',
    });
    const done = { ...meeting, state: 'no_artifacts' as const };
    expect(facts(meetingCard(done))).toMatchObject({ Transcript: 'None', Recording: 'None' });
    expect(facts(meetingCard(meeting))).not.toHaveProperty('Transcript');
  });

  it('leaves out an absent contact or client, and colours the state line by tone', () => {
    const card = meetingCard({ ...meeting, contact: null, client: null, stateTone: 'good' });
    expect(facts(card)).not.toHaveProperty('Contact');
    expect(facts(card)).not.toHaveProperty('Client');
    expect(body(card)).toContainEqual(
      expect.objectContaining({ text: 'Scheduled', color: 'good' }),
    );
  });

  it('shows a refused action as one line in attention colour', () => {
    const card = meetingCard({ ...meeting, error: 'Someone changed this meeting; refreshed.' });
    expect(body(card)).toContainEqual(
      expect.objectContaining({
        text: 'Someone changed this meeting; refreshed.',
        color: 'attention',
      }),
    );
    expect(JSON.stringify(meetingCard(meeting))).not.toContain('attention');
  });
});

describe('the reschedule and cancel cards', () => {
  it('reschedules with date, time and duration inputs: Move / Back', () => {
    const card = rescheduleCard({
      ...meeting,
      date: '2025-12-04',
      time: '09:30',
      durationMinutes: 30,
    });
    expect(body(card)).toEqual(
      expect.arrayContaining(scheduleInputsLike('2025-12-04', '09:30', 30)),
    );
    expect(facts(card)).toMatchObject({ When: meeting.when, Code: '3F9A2C' });
    expect(titles(card)).toEqual(['Move', 'Back']);
    expect(byTitle(card, 'Move')).toMatchObject({
      verb: 'meeting.rescheduleSubmit',
      data,
      associatedInputs: 'auto',
    });
    expect(byTitle(card, 'Back')).toMatchObject({
      verb: 'meeting.refresh',
      data,
      associatedInputs: 'none',
    });
    expect(card.refresh).toBeUndefined();
  });

  it('confirms a cancellation: Cancel meeting / Keep it', () => {
    const card = cancelConfirmCard(meeting);
    const texts = body(card).map((b) => b.text);
    expect(texts).toEqual(
      expect.arrayContaining(['Cancel Renewal call?', 'Attendees get a cancellation.']),
    );
    expect(titles(card)).toEqual(['Cancel meeting', 'Keep it']);
    expect(byTitle(card, 'Cancel meeting')).toMatchObject({ verb: 'meeting.cancelConfirm', data });
    expect(byTitle(card, 'Keep it')).toMatchObject({ verb: 'meeting.refresh', data });
  });
});

describe('the list and notice cards', () => {
  const row = (n: number) => ({
    n,
    code: `C${n}`,
    subject: `Call ${n}`,
    when: 'Tue 15:00',
    stateLine: 'Scheduled',
  });

  it('numbers the meetings so the user can say "cancel 2", at most 20', () => {
    const card = meetingListCard({
      title: 'Upcoming and recent meetings',
      rows: [1, 2, 3].map(row),
      empty: 'None.',
    });
    const rows = body(card).filter((b) => b.type === 'Container') as {
      items: { text: string }[];
    }[];
    expect(rows.map((r) => r.items.map((i) => i.text))).toEqual([
      ['**1.** Call 1', 'C1 · Tue 15:00 · Scheduled'],
      ['**2.** Call 2', 'C2 · Tue 15:00 · Scheduled'],
      ['**3.** Call 3', 'C3 · Tue 15:00 · Scheduled'],
    ]);
    expect(JSON.stringify(card)).not.toContain('None.');
    expect(actionsOf(card)).toEqual([]);
    const long = meetingListCard({
      title: 'T',
      rows: Array.from({ length: 30 }, (_, i) => row(i + 1)),
      empty: '',
    });
    expect(body(long).filter((b) => b.type === 'Container')).toHaveLength(20);
  });

  it('says so when there are no meetings', () => {
    const card = meetingListCard({
      title: 'Upcoming and recent meetings',
      rows: [],
      empty: 'No meetings yet.',
    });
    expect(body(card).map((b) => b.text)).toEqual([
      'Upcoming and recent meetings',
      'No meetings yet.',
    ]);
  });

  it('shows a notice in the given tone', () => {
    expect(body(noticeCard('Discarded.'))).toEqual([
      expect.objectContaining({ type: 'TextBlock', text: 'Discarded.', color: 'default' }),
    ]);
    expect(body(noticeCard('Cancelled.', 'warning'))[0]).toMatchObject({ color: 'warning' });
  });
});
